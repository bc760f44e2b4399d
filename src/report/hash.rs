//! `analysis_hash`: SHA-256 of the report's canonical JSON without the hash itself.
//!
//! Canonical JSON is the report with every object's keys sorted and no insignificant
//! whitespace: what `serde_json::Value`'s ordered map prints. The report is written in that
//! form straight from its types by [`Canonical`], a formatter that sorts each object's
//! members in place when the object ends, rather than through a `Value` tree: on a report
//! of 1,500 sites the tree cost more than the rest of the report's construction.

use std::borrow::Cow;
use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter};
use sha2::{Digest, Sha256};

use super::Report;

/// The hash of a report. Canonical JSON: object keys sorted, no insignificant whitespace,
/// `analysis_hash` left out.
pub fn analysis_hash(report: &Report) -> String {
    hex(&Sha256::digest(canonical_json(
        report,
        Some("analysis_hash"),
    )))
}

/// SHA-256 (hex) of a JSON value's canonical form: keys sorted, no whitespace.
pub fn canonical_hash(value: &serde_json::Value) -> String {
    hex(&Sha256::digest(value.to_string().as_bytes()))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `value` as canonical JSON, leaving out the outermost object's member `omit`.
fn canonical_json<T: Serialize>(value: &T, omit: Option<&'static str>) -> Vec<u8> {
    let mut canonical = Canonical {
        out: Vec::with_capacity(1 << 16),
        objects: Vec::new(),
        omit,
    };
    let mut serializer = serde_json::Serializer::with_formatter(io::sink(), &mut canonical);
    // Serializing our own report types into memory cannot fail.
    let _ = value.serialize(&mut serializer);
    canonical.out
}

/// A `serde_json` formatter that writes into its own buffer (the serializer's writer is a
/// sink) and sorts each object's members by key when the object ends. Members are recorded
/// as byte ranges of the buffer; an inner object is already sorted when its member ends, so
/// reordering an object moves whole members.
struct Canonical {
    out: Vec<u8>,
    objects: Vec<Object>,
    omit: Option<&'static str>,
}

/// An object being written: where its first member starts, and each member's range.
struct Object {
    start: usize,
    members: Vec<Member>,
    /// Where the member being written starts and where its key (with quotes) ends.
    open: (usize, usize),
}

#[derive(Clone, Copy)]
struct Member {
    start: usize,
    key_end: usize,
    end: usize,
}

impl Canonical {
    /// Sorts the members of the object that starts at `object.start` and drops `omit` from
    /// the outermost one, rewriting the object's bytes when either changes them.
    fn finish(&mut self, object: Object, outermost: bool) {
        let out = &self.out;
        // Each member's key, unescaped: borrowed from the buffer unless it holds an escape.
        let key = |m: &Member| -> Cow<'_, str> {
            let quoted = &out[m.start..m.key_end];
            if quoted.contains(&b'\\') {
                Cow::Owned(serde_json::from_slice(quoted).unwrap_or_default())
            } else {
                String::from_utf8_lossy(&quoted[1..quoted.len() - 1])
            }
        };
        let omit = self.omit.filter(|_| outermost);
        let mut keyed: Vec<(Cow<'_, str>, Member)> = object
            .members
            .iter()
            .map(|m| (key(m), *m))
            .filter(|(key, _)| omit != Some(key.as_ref()))
            .collect();
        let dropped = keyed.len() != object.members.len();
        if !dropped && keyed.windows(2).all(|w| w[0].0 <= w[1].0) {
            return;
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut rewritten = Vec::with_capacity(out.len() - object.start);
        for (index, (_, m)) in keyed.iter().enumerate() {
            if index > 0 {
                rewritten.push(b',');
            }
            rewritten.extend_from_slice(&out[m.start..m.end]);
        }
        self.out.truncate(object.start);
        self.out.extend_from_slice(&rewritten);
    }
}

/// Formatter methods that only write: passed on to serde_json's compact formatter, into
/// `self.out`.
macro_rules! write_through {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method<W: ?Sized + io::Write>(&mut self, _: &mut W $(, $arg: $ty)*) -> io::Result<()> {
                CompactFormatter.$method(&mut self.out $(, $arg)*)
            }
        )*
    };
}

// Every method writes to `self.out` through serde_json's own compact formatter, so numbers
// and string escapes are exactly what `Value::to_string` prints; the writer is ignored.
impl Formatter for &mut Canonical {
    write_through! {
        write_null();
        write_bool(value: bool);
        write_i8(value: i8);
        write_i16(value: i16);
        write_i32(value: i32);
        write_i64(value: i64);
        write_i128(value: i128);
        write_u8(value: u8);
        write_u16(value: u16);
        write_u32(value: u32);
        write_u64(value: u64);
        write_u128(value: u128);
        write_f32(value: f32);
        write_f64(value: f64);
        write_number_str(value: &str);
        begin_string();
        end_string();
        write_string_fragment(fragment: &str);
        write_char_escape(escape: CharEscape);
        write_byte_array(value: &[u8]);
        begin_array();
        end_array();
        begin_array_value(first: bool);
        end_array_value();
        begin_object_value();
        write_raw_fragment(fragment: &str);
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.begin_object(&mut self.out)?;
        self.objects.push(Object {
            start: self.out.len(),
            members: Vec::new(),
            open: (0, 0),
        });
        Ok(())
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        if let Some(object) = self.objects.pop() {
            // The outermost object is the value itself: its `{` is the first byte.
            let outermost = object.start == 1;
            self.finish(object, outermost);
        }
        CompactFormatter.end_object(&mut self.out)
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        _: &mut W,
        first: bool,
    ) -> io::Result<()> {
        CompactFormatter.begin_object_key(&mut self.out, first)?;
        let at = self.out.len();
        if let Some(object) = self.objects.last_mut() {
            object.open.0 = at;
        }
        Ok(())
    }
    fn end_object_key<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        let at = self.out.len();
        if let Some(object) = self.objects.last_mut() {
            object.open.1 = at;
        }
        CompactFormatter.end_object_key(&mut self.out)
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _: &mut W) -> io::Result<()> {
        CompactFormatter.end_object_value(&mut self.out)?;
        let end = self.out.len();
        if let Some(object) = self.objects.last_mut() {
            let (start, key_end) = object.open;
            object.members.push(Member {
                start,
                key_end,
                end,
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Inner {
        zeta: u32,
        alpha: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        gone: Option<u32>,
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        analysis_hash: String,
        items: Vec<Inner>,
        map: BTreeMap<String, f64>,
        empty: Inner2,
    }

    #[derive(Serialize)]
    struct Inner2 {}

    /// The oracle: what the `Value` tree prints.
    fn through_value<T: Serialize>(value: &T, omit: Option<&str>) -> String {
        let mut value = serde_json::to_value(value).unwrap();
        if let (Some(omit), Some(object)) = (omit, value.as_object_mut()) {
            object.remove(omit);
        }
        value.to_string()
    }

    #[test]
    fn canonical_json_is_what_the_value_tree_prints() {
        let outer = Outer {
            name: "quote \" backslash \\ tab \t é 注文".to_owned(),
            analysis_hash: "dropped".to_owned(),
            items: vec![
                Inner {
                    zeta: 1,
                    alpha: None,
                    gone: None,
                },
                Inner {
                    zeta: 2,
                    alpha: Some("a".to_owned()),
                    gone: Some(3),
                },
            ],
            map: [
                ("b\"q".to_owned(), 1.5),
                ("a\\z".to_owned(), -0.25),
                ("a".to_owned(), 1e300),
            ]
            .into_iter()
            .collect(),
            empty: Inner2 {},
        };
        let ours = String::from_utf8(canonical_json(&outer, Some("analysis_hash"))).unwrap();
        assert_eq!(ours, through_value(&outer, Some("analysis_hash")));
        assert!(!ours.contains("dropped"));
        // Only the outermost object loses the omitted member.
        let nested = vec![BTreeMap::from([("analysis_hash", 1)])];
        let ours = String::from_utf8(canonical_json(&nested, Some("analysis_hash"))).unwrap();
        assert_eq!(ours, r#"[{"analysis_hash":1}]"#);
    }

    #[test]
    fn a_real_report_hashes_as_its_value_tree_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/choreography");
        let config = crate::config::Config::load(&root.join("choreo.toml")).unwrap();
        let report = crate::analyze(&root, &config, &config.levels, None)
            .unwrap()
            .report;
        let expected = canonical_hash(
            &serde_json::from_str(&through_value(&report, Some("analysis_hash"))).unwrap(),
        );
        assert_eq!(report.analysis_hash, expected);
        assert_eq!(analysis_hash(&report), expected);
    }
}
