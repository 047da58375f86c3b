//! The raw-log prefilter: which lines can be skipped without parsing because no rule can match
//! them.
//!
//! A rule declares literal groups (`-- requires:` lines); a line can only match if, for every
//! group, it holds one of the group's strings. Most audit lines hold none, so a raw hunt parses
//! about 1 % of its input. The prefilter must never change a result: JSON lets any character of
//! a string be written as an escape (`\u0066orbid`, `system\u003aserviceaccount`, `\/`), and a
//! wrapped event (AKS `properties.log`, EKS `message`) is a JSON string inside a JSON string, so
//! escapes can nest. A line without a backslash is judged on its bytes as they are (the fast
//! path, nearly every line); a line with one that fails there is decoded level by level (up to
//! [`MAX_DEPTH`] levels of nesting) and judged on every level together. Decoding only ever adds
//! candidates, so the prefilter is sound: it may keep a line that cannot match (the parser then
//! decides), never drop one that can. A line still holding escapes after the last level is kept.

use std::cell::RefCell;

use memchr::memmem;

/// Levels of JSON-in-a-JSON-string nesting decoded before a line is simply kept.
pub const MAX_DEPTH: usize = 4;

/// A rule's literals: a line can only match if, for every group, it holds one of the group's
/// strings (after decoding JSON escapes). Lines that cannot match are not parsed at all.
#[derive(Debug, Clone, Default)]
pub struct Prefilter {
    groups: Vec<Vec<memmem::Finder<'static>>>,
    /// Which ASCII characters the literals hold, when every literal is *plain*: no `"`, `\`,
    /// `/` or control character (`None` otherwise: then every line with a backslash is decoded).
    plain: Option<[bool; 128]>,
    /// Some literal holds a non-ASCII character.
    non_ascii: bool,
}

impl Prefilter {
    pub fn new(groups: &[Vec<String>]) -> Self {
        let mut chars = [false; 128];
        let mut plain = true;
        let mut non_ascii = false;
        for b in groups.iter().flatten().flat_map(|l| l.bytes()) {
            if b >= 0x80 {
                non_ascii = true;
            } else if b == b'"' || b == b'\\' || b == b'/' || b < 0x20 {
                plain = false;
            } else {
                chars[usize::from(b)] = true;
            }
        }
        Self {
            groups: groups
                .iter()
                .map(|g| {
                    g.iter()
                        .map(|s| memmem::Finder::new(s.as_bytes()).into_owned())
                        .collect()
                })
                .collect(),
            plain: plain.then_some(chars),
            non_ascii,
        }
    }

    /// The literal test on bytes as they are, with no decoding.
    fn matches_bytes(&self, text: &[u8]) -> bool {
        self.groups
            .iter()
            .all(|g| g.iter().any(|f| f.find(text).is_some()))
    }

    /// Whether decoding the line's escapes could reveal a literal. With plain literals, escapes
    /// other than `\uXXXX` (`\"`, `\\`, `\/`, `\n`...) decode to characters no literal holds, so
    /// a literal they surround was already contiguous in the raw bytes. A `\uXXXX` matters only
    /// if it spells a character of a literal, or one that can help spell a nested escape (`\`,
    /// `u`, a hex digit). A nested `\uXXXX` is made of `\\` and verbatim characters one level
    /// up, so it shows as `\uXXXX` in the raw bytes too: by induction over the levels, looking
    /// at the raw line is enough. Go's HTML-safe escapes (`\u003c`, `\u003e`, `\u0026`), in a
    /// third of generated lines, stay on the fast path.
    fn escapes_may_hide_a_literal(&self, line: &[u8]) -> bool {
        let Some(chars) = &self.plain else {
            return true;
        };
        memmem::find_iter(line, b"\\u").any(|at| match hex4(line, at + 2) {
            Some(cp) if cp < 0x80 => {
                let c = cp as u8;
                chars[usize::from(c)] || c == b'\\' || c == b'u' || c.is_ascii_hexdigit()
            }
            Some(_) => self.non_ascii,
            None => false,
        })
    }

    /// Whether `line` may match: true unless it certainly holds one group's literals nowhere,
    /// escaped or not.
    pub fn matches(&self, line: &[u8]) -> bool {
        if self.matches_bytes(line) {
            return true;
        }
        if memchr::memchr(b'\\', line).is_none() || !self.escapes_may_hide_a_literal(line) {
            return false;
        }
        DECODED.with(|cell| {
            let mut levels = cell.borrow_mut();
            decoded_levels(line, &mut levels);
            levels.exhausted || self.matches_bytes(&levels.text)
        })
    }
}

/// Which lines to keep: all of them, or those that any of several prefilters accepts.
#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    any_of: Option<Vec<Prefilter>>,
}

impl LineFilter {
    pub fn all() -> Self {
        Self::default()
    }

    pub fn any_of(filters: Vec<Prefilter>) -> Self {
        Self {
            any_of: Some(filters),
        }
    }

    /// Whether the line must be parsed.
    pub fn keep(&self, line: &[u8]) -> bool {
        self.any_of
            .as_ref()
            .is_none_or(|fs| fs.iter().any(|f| f.matches(line)))
    }

    pub fn is_all(&self) -> bool {
        self.any_of.is_none()
    }
}

/// Every decoded level of a line, one after another (separated by a newline, which a JSON line
/// cannot hold raw), and whether decoding still changed the text at the last level. `cur` and
/// `next` are scratch space, kept per thread so judging a line does not allocate.
#[derive(Default)]
struct Levels {
    text: Vec<u8>,
    cur: Vec<u8>,
    next: Vec<u8>,
    exhausted: bool,
}

thread_local! {
    static DECODED: RefCell<Levels> = RefCell::new(Levels::default());
}

/// Fills `out.text` with the line's decoded levels 1..=[`MAX_DEPTH`] (level 0, the line itself,
/// was already tested). Stops early at a level with no backslash left, or one that decoding no
/// longer changes (a literal backslash in the data, such as a Windows path).
fn decoded_levels(line: &[u8], out: &mut Levels) {
    out.text.clear();
    out.cur.clear();
    out.cur.extend_from_slice(line);
    out.exhausted = false;
    for _ in 0..MAX_DEPTH {
        out.next.clear();
        decode_escapes(&out.cur, &mut out.next);
        if out.next == out.cur {
            return;
        }
        out.text.extend_from_slice(&out.next);
        out.text.push(b'\n');
        if memchr::memchr(b'\\', &out.next).is_none() {
            return;
        }
        std::mem::swap(&mut out.cur, &mut out.next);
    }
    out.exhausted = true;
}

/// Appends `src` to `dst` with one level of JSON string escapes decoded: `\"`, `\\`, `\/`,
/// `\b \f \n \r \t`, and `\uXXXX` (surrogate pairs joined; a lone surrogate becomes U+FFFD).
/// Anything that is not a valid escape is copied as it is.
pub fn decode_escapes(src: &[u8], dst: &mut Vec<u8>) {
    let mut i = 0usize;
    while i < src.len() {
        let Some(off) = memchr::memchr(b'\\', &src[i..]) else {
            dst.extend_from_slice(&src[i..]);
            return;
        };
        dst.extend_from_slice(&src[i..i + off]);
        i += off;
        let Some(&c) = src.get(i + 1) else {
            dst.push(b'\\');
            return;
        };
        let simple = match c {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(0x08),
            b'f' => Some(0x0c),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(b) = simple {
            dst.push(b);
            i += 2;
            continue;
        }
        if c == b'u'
            && let Some(hi) = hex4(src, i + 2)
        {
            let mut used = 6;
            let ch = if (0xD800..0xDC00).contains(&hi) {
                match (src.get(i + 6), src.get(i + 7), hex4(src, i + 8)) {
                    (Some(b'\\'), Some(b'u'), Some(lo)) if (0xDC00..0xE000).contains(&lo) => {
                        used = 12;
                        char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                    }
                    _ => None,
                }
            } else {
                char::from_u32(hi)
            };
            let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
            let mut buf = [0u8; 4];
            dst.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            i += used;
            continue;
        }
        dst.push(b'\\');
        i += 1;
    }
}

fn hex4(src: &[u8], at: usize) -> Option<u32> {
    let digits = src.get(at..at + 4)?;
    let mut v = 0u32;
    for &d in digits {
        v = v * 16 + char::from(d).to_digit(16)?;
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Prefilter {
        Prefilter::new(&[
            vec!["system:serviceaccount:".into()],
            vec!["forbid".into(), "granted".into()],
        ])
    }

    fn decode(s: &str) -> String {
        let mut out = Vec::new();
        decode_escapes(s.as_bytes(), &mut out);
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn escapes_decode_like_json() {
        assert_eq!(decode(r#"a\/b\"c\\d\u0066\n"#), "a/b\"c\\df\n");
        assert_eq!(decode(r"\ud83d\ude00"), "\u{1F600}");
        assert_eq!(decode(r"\ud83d x"), "\u{FFFD} x");
        assert_eq!(decode(r"\x \u12"), r"\x \u12");
        assert_eq!(decode("trailing\\"), "trailing\\");
    }

    #[test]
    fn plain_lines_are_judged_on_their_bytes() {
        let f = shipped();
        assert!(f.matches(br#"{"user":{"username":"system:serviceaccount:a:b"},"d":"forbid"}"#));
        assert!(!f.matches(br#"{"user":{"username":"system:serviceaccount:a:b"},"d":"allow"}"#));
        assert!(!f.matches(br#"{"user":{"username":"alice"},"d":"forbid"}"#));
    }

    // regression (issue 9): escaped literals were skipped by the raw hunt but found in the archive.
    #[test]
    fn escaped_literals_are_never_skipped() {
        let f = shipped();
        for line in [
            r#"{"u":"system:serviceaccount:a:b","d":"\u0066orbid"}"#,
            r#"{"u":"system\u003aserviceaccount:a:b","d":"forbid"}"#,
            r#"{"u":"\u0073ystem:serviceaccount\u003A","d":"for\u0062id"}"#,
            r#"{"u":"system:serviceaccount:a:b","d":"\u0067ranted"}"#,
            r#"{"log":"{\"u\":\"system:serviceaccount:a:b\",\"d\":\"\\u0066orbid\"}"}"#,
            r#"{"m":"{\"log\":\"{\\\"u\\\":\\\"system\\\\u003aserviceaccount:x\\\",\\\"d\\\":\\\"forbid\\\"}\"}"}"#,
        ] {
            assert!(f.matches(line.as_bytes()), "skipped {line}");
        }
        // Escapes elsewhere do not make a non-matching line match.
        assert!(!f.matches(br#"{"u":"alice","d":"forbid","b":"\"x\""}"#));
        assert!(!f.matches(br#"{"u":"alice","d":"\u0066orbid","b":"\/x"}"#));
        // HTML-safe escapes hide no literal character and are not decoded.
        assert!(!f.escapes_may_hide_a_literal(br#"{"q":"a\u0026b\u003c\/x\"y\""}"#));
        assert!(f.escapes_may_hide_a_literal(br#"{"d":"\u0066orbid"}"#));
        assert!(f.escapes_may_hide_a_literal(br#"{"d":"\u005cu0066orbid"}"#));
        // A nested escape spelled with escapes: `\\\u00750066` is `\u0066` one level down.
        let only_forbid = Prefilter::new(&[vec!["forbid".into()]]);
        assert!(only_forbid.matches(br#"{"d":"\\\u00750066orbid"}"#));
        assert!(only_forbid.matches(br#"{"d":"\\u\u0030066orbid"}"#));
        assert!(!f.matches(br#"{"u":"system:serviceaccount:a","d":"allow","q":"\u0026"}"#));
    }

    #[test]
    fn literals_with_quotes_or_slashes_always_decode() {
        let f = Prefilter::new(&[vec!["/api/v1/secrets".into()]]);
        assert!(f.matches(br#"{"uri":"\/api\/v1\/secrets"}"#));
        let q = Prefilter::new(&[vec!["say \"hi\"".into()]]);
        assert!(q.matches(br#"{"m":"say \"hi\""}"#));
        assert!(!q.matches(br#"{"m":"say hi"}"#));
    }

    #[test]
    fn too_deep_nesting_is_kept() {
        let f = shipped();
        let mut line = String::from("\\u0066");
        for _ in 0..=MAX_DEPTH {
            line = line.replace('\\', "\\\\");
        }
        let text = format!(r#"{{"u":"system:serviceaccount:a","d":"{line}orbid"}}"#);
        assert!(f.matches(text.as_bytes()));
    }
}
