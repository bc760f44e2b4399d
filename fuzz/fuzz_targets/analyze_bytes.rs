//! Arbitrary bytes as one file of a crate (lossily decoded, as the reader would see them).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (choice, text) = match data.split_first() {
        Some((&choice, rest)) if choice >= 0xfc => (choice, rest),
        _ => (0, data),
    };
    let text = String::from_utf8_lossy(text).into_owned();
    choreo_fuzz::check(&[("src/lib.rs".to_owned(), text)], &choreo_fuzz::config(choice));
});
