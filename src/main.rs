//! The `choreo` binary: parse arguments, run, map the outcome to an exit status.

use std::process::ExitCode;

// The analysis allocates many small syntax-tree nodes and frees them per file; mimalloc
// makes that about a fifth cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in the `mi_option_e` enum of the mimalloc v3 header that
/// libmimalloc-sys 0.1.49 builds (`c_src/mimalloc/v3/include/mimalloc.h`; 15 in its v2
/// header too). The binding has no constant for it.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
// The ordinal above was read from a header whose enum has 47 options; a libmimalloc-sys
// with another header must be checked again.
const _: () = assert!(libmimalloc_sys::_mi_option_last == 47);

fn main() -> ExitCode {
    // Give freed memory back to the system at once rather than after mimalloc's default
    // delay (1 s in v3): the analysis frees each file's syntax tree as it goes, and with
    // the delay the freed pages of earlier files stayed resident. On the five-workspace
    // corpus of the README, peak RSS went from 210 to 174 MB (145 MB with `no_thp`, see
    // Cargo.toml). Set before any work starts.
    // SAFETY: `mi_option_set` only stores the value; any option number is accepted.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0) };
    match choreo::cli::run(std::env::args_os()) {
        Ok(status) => ExitCode::from(status.code()),
        Err(error) => {
            eprintln!("{error:?}");
            ExitCode::from(2)
        }
    }
}
