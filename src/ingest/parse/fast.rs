//! The fast path for the common line: one raw `audit.k8s.io/v1` event, read by a single-pass
//! scanner that touches only the keys the schema needs and skips the rest (request and response
//! bodies are validated and kept as text, never built into values).
//!
//! It fills the same [`Doc`] that serde fills, so [`super::raw::event`] stays the one mapping onto
//! the schema. It never decides anything on its own: a line it does not fully understand (a
//! wrapper's key, `timestamp` or `metadata`, a field of an unexpected type, a duplicate field, an
//! escape it does not decode, a number that is not a small integer, deep nesting, bad JSON)
//! makes it answer `None`, and the serde path reads the line and gives the event or the reject
//! reason. So the fast path can change speed, never a result; `tests` below and the property
//! test in `super::tests` check that both paths give the same events on every fixture.
//!
//! Cost model: audit lines are mostly strings. A string's end is found with `memchr2` (`"` or
//! `\`), its bytes are checked for control characters in one vectorised pass, and a string with
//! no backslash is borrowed from the line, not copied.

// Readers return `Option<Option<T>>`: the outer `None` means "leave this line to serde", the
// inner one is JSON `null` (serde's `None`).
#![allow(clippy::option_option)]

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::raw::{ObjectRef, Status, UserInfo};
use super::{Doc, RawText, Str};

/// Nesting deeper than this is left to serde (which has its own limit and error message).
const MAX_DEPTH: usize = 100;

/// Reads `text` as a raw audit event, or answers `None` to leave it to serde. The event is
/// boxed: it is large, and moving it by value from function to function was a measurable part
/// of parsing (a memcpy per move).
pub(super) fn doc(text: &str) -> Option<Box<Doc<'_>>> {
    let b = text.as_bytes();
    let mut s = Scanner {
        s: text,
        b,
        i: 0,
        plain: !has_control(b),
    };
    s.ws();
    let doc = s.event()?;
    s.ws();
    (s.i == s.b.len()).then_some(doc)
}

struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// The line holds no byte below 0x20 (the rule for real logs: not even whitespace), so a
    /// string's end is found by `memchr2` alone, with no check for raw control characters.
    plain: bool,
}

/// Whether `b` holds a byte below 0x20 (vectorised: no early exit inside a 32-byte block).
fn has_control(b: &[u8]) -> bool {
    b.chunks(32)
        .any(|c| c.iter().fold(0u8, |acc, &x| acc | u8::from(x < 0x20)) != 0)
}

/// The index of the first byte of `b` that ends a run of plain string characters: `"`, `\` or
/// a control character (which JSON forbids raw in a string). Eight bytes at a time (SWAR): for
/// each byte, `has_zero(x ^ c)` flags bytes equal to `c` and `(x - 0x20..) & !x` flags bytes
/// below 0x20; borrows only run upwards from a flagged byte, so the lowest flag is exact.
fn special(b: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let below = |x: u64, n: u8| x.wrapping_sub(ONES * u64::from(n)) & !x & HIGH;
    let mut i = 0;
    while i + 8 <= b.len() {
        let mut w = [0u8; 8];
        w.copy_from_slice(&b[i..i + 8]);
        let x = u64::from_le_bytes(w);
        let m = below(x ^ (ONES * u64::from(b'"')), 1)
            | below(x ^ (ONES * u64::from(b'\\')), 1)
            | below(x, 0x20);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b[i..]
        .iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .map(|p| i + p)
}

/// Marks a struct field as seen; a second sighting is a duplicate field, which serde reports.
fn once<T>(slot: &mut Option<T>, seen: &mut u64, bit: u32, v: Option<T>) -> Option<()> {
    if *seen & (1 << bit) != 0 {
        return None;
    }
    *seen |= 1 << bit;
    *slot = v;
    Some(())
}

impl<'a> Scanner<'a> {
    /// The offset from `from` of the next `"`, `\\` or (if the line has any) control byte.
    fn stop(&self, from: usize) -> Option<usize> {
        let rest = self.b.get(from..)?;
        if self.plain {
            memchr::memchr2(b'"', b'\\', rest)
        } else {
            special(rest)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn lit(&mut self, word: &[u8]) -> Option<()> {
        let end = self.i + word.len();
        (self.b.get(self.i..end)? == word).then(|| self.i = end)
    }

    /// `null` (consumed: true) or not (nothing consumed: false).
    fn null(&mut self) -> Option<bool> {
        self.ws();
        if self.peek()? == b'n' {
            self.lit(b"null")?;
            return Some(true);
        }
        Some(false)
    }

    /// A JSON string, borrowed from the line unless it holds escapes.
    fn string(&mut self) -> Option<Str<'a>> {
        self.ws();
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.i + 1;
        let end = start + self.stop(start)?;
        if self.b[end] == b'"' {
            self.i = end + 1;
            // The line is valid UTF-8 and `"` is ASCII, so both ends are char boundaries.
            return self.s.get(start..end).map(Cow::Borrowed);
        }
        if self.b[end] != b'\\' {
            return None; // a raw control character: not JSON, serde says so
        }
        self.i = start;
        // Room for twice the plain start and more: a URI with `\u0026`s fits without growing.
        self.escaped(2 * (end - start) + 64).map(Cow::Owned)
    }

    /// The rest of a string that holds a backslash, decoded (`capacity`: a guess at its size).
    fn escaped(&mut self, capacity: usize) -> Option<String> {
        let mut out = String::with_capacity(capacity);
        loop {
            let at = self.i + self.stop(self.i)?;
            if self.b[at] < 0x20 {
                return None;
            }
            out.push_str(self.s.get(self.i..at)?);
            self.i = at + 1;
            if self.b[at] == b'"' {
                return Some(out);
            }
            let c = *self.b.get(self.i)?;
            self.i += 1;
            match c {
                b'"' => out.push('"'),
                b'\\' => out.push('\\'),
                b'/' => out.push('/'),
                b'b' => out.push('\u{8}'),
                b'f' => out.push('\u{c}'),
                b'n' => out.push('\n'),
                b'r' => out.push('\r'),
                b't' => out.push('\t'),
                b'u' => {
                    let hi = self.hex4()?;
                    let code = if (0xD800..0xDC00).contains(&hi) {
                        // A surrogate pair; anything else is left to serde.
                        self.lit(b"\\u")?;
                        let lo = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&lo) {
                            return None;
                        }
                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    } else if (0xDC00..0xE000).contains(&hi) {
                        return None;
                    } else {
                        hi
                    };
                    out.push(char::from_u32(code)?);
                }
                _ => return None,
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.b.get(self.i..self.i + 4)?;
        let mut v = 0u32;
        for &c in h {
            v = v * 16 + char::from(c).to_digit(16)?;
        }
        self.i += 4;
        Some(v)
    }

    /// An optional string: `null` is `None`.
    fn opt_string(&mut self) -> Option<Option<Str<'a>>> {
        if self.null()? {
            return Some(None);
        }
        self.string().map(Some)
    }

    /// An optional list of strings.
    fn opt_strings(&mut self) -> Option<Option<Vec<Str<'a>>>> {
        if self.null()? {
            return Some(None);
        }
        self.eat(b'[')?;
        self.ws();
        if self.peek()? == b']' {
            self.i += 1;
            return Some(Some(Vec::new()));
        }
        // Groups and source IPs: a few each.
        let mut v = Vec::with_capacity(4);
        loop {
            v.push(self.string()?);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Some(v));
                }
                _ => return None,
            }
        }
    }

    /// An optional `i32`, written as a plain integer (anything else is left to serde).
    fn opt_i32(&mut self) -> Option<Option<i32>> {
        if self.null()? {
            return Some(None);
        }
        self.ws();
        let start = self.i;
        if self.peek()? == b'-' {
            self.i += 1;
        }
        let digits = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let n = self.i - digits;
        if n == 0 || n > 10 || (n > 1 && self.b[digits] == b'0') {
            return None;
        }
        if matches!(self.peek(), Some(b'.' | b'e' | b'E')) {
            return None;
        }
        self.s.get(start..self.i)?.parse().ok().map(Some)
    }

    /// The members of an object: `f` is called with each key, positioned at its value, and must
    /// consume the value. `null` instead of the object is `false`.
    fn object(&mut self, mut f: impl FnMut(&mut Self, Str<'a>) -> Option<()>) -> Option<bool> {
        if self.null()? {
            return Some(false);
        }
        self.eat(b'{')?;
        self.ws();
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(true);
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            f(self, key)?;
            self.ws();
            match self.peek()? {
                b',' => {
                    self.i += 1;
                    self.ws();
                }
                b'}' => {
                    self.i += 1;
                    return Some(true);
                }
                _ => return None,
            }
        }
    }

    /// Validates and skips any JSON value.
    fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.ws();
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => {
                self.object(|s, _| s.skip(depth + 1))?;
                Some(())
            }
            b'[' => {
                self.i += 1;
                self.ws();
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip(depth + 1)?;
                    self.ws();
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b't' => self.lit(b"true"),
            b'f' => self.lit(b"false"),
            b'n' => self.lit(b"null"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// A number, checked against JSON's grammar.
    fn number(&mut self) -> Option<()> {
        if self.peek()? == b'-' {
            self.i += 1;
        }
        let digits = |s: &mut Self| -> usize {
            let from = s.i;
            while s.peek().is_some_and(|c| c.is_ascii_digit()) {
                s.i += 1;
            }
            s.i - from
        };
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.b[int_start] == b'0') {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return None;
            }
        }
        Some(())
    }

    /// Any value, kept as its text (what `serde_json::value::RawValue::get` gives); `null` is `None`.
    fn opt_raw(&mut self) -> Option<Option<RawText<'a>>> {
        if self.null()? {
            return Some(None);
        }
        self.ws();
        let start = self.i;
        self.skip(1)?;
        Some(Some(RawText(self.s.get(start..self.i)?)))
    }

    fn user(&mut self) -> Option<Option<UserInfo<'a>>> {
        let mut u = UserInfo::default();
        let mut seen = 0u64;
        let present = self.object(|s, key| match &*key {
            "username" => once(&mut u.username, &mut seen, 0, s.opt_string()?),
            "uid" => once(&mut u.uid, &mut seen, 1, s.opt_string()?),
            "groups" => once(&mut u.groups, &mut seen, 2, s.opt_strings()?),
            "extra" => {
                let mut m = BTreeMap::new();
                let present = s.object(|s, k| {
                    m.insert(k, s.opt_strings()?);
                    Some(())
                })?;
                once(&mut u.extra, &mut seen, 3, present.then_some(m))
            }
            _ => s.skip(1),
        })?;
        Some(present.then_some(u))
    }

    fn object_ref(&mut self) -> Option<Option<ObjectRef<'a>>> {
        let mut o = ObjectRef::default();
        let mut seen = 0u64;
        let present = self.object(|s, key| match &*key {
            "resource" => once(&mut o.resource, &mut seen, 0, s.opt_string()?),
            "namespace" => once(&mut o.namespace, &mut seen, 1, s.opt_string()?),
            "name" => once(&mut o.name, &mut seen, 2, s.opt_string()?),
            "apiGroup" => once(&mut o.api_group, &mut seen, 3, s.opt_string()?),
            "apiVersion" => once(&mut o.api_version, &mut seen, 4, s.opt_string()?),
            "subresource" => once(&mut o.subresource, &mut seen, 5, s.opt_string()?),
            _ => s.skip(1),
        })?;
        Some(present.then_some(o))
    }

    fn status(&mut self) -> Option<Option<Status<'a>>> {
        let mut st = Status::default();
        let mut seen = 0u64;
        let present = self.object(|s, key| match &*key {
            "code" => once(&mut st.code, &mut seen, 0, s.opt_i32()?),
            "status" => once(&mut st.status, &mut seen, 1, s.opt_string()?),
            "reason" => once(&mut st.reason, &mut seen, 2, s.opt_string()?),
            "message" => once(&mut st.message, &mut seen, 3, s.opt_string()?),
            _ => s.skip(1),
        })?;
        Some(present.then_some(st))
    }

    /// The top-level object: the raw event's keys, nothing of a wrapper's.
    fn event(&mut self) -> Option<Box<Doc<'a>>> {
        let mut d = Box::<Doc<'a>>::default();
        let mut seen = 0u64;
        let present = self.object(|s, key| match &*key {
            "kind" => once(&mut d.kind, &mut seen, 0, s.opt_string()?),
            "auditID" => once(&mut d.audit_id, &mut seen, 1, s.opt_string()?),
            "stage" => once(&mut d.stage, &mut seen, 2, s.opt_string()?),
            "level" => once(&mut d.level, &mut seen, 3, s.opt_string()?),
            "requestURI" => once(&mut d.request_uri, &mut seen, 4, s.opt_string()?),
            "verb" => once(&mut d.verb, &mut seen, 5, s.opt_string()?),
            "user" => once(&mut d.user, &mut seen, 6, s.user()?),
            "impersonatedUser" => once(&mut d.impersonated_user, &mut seen, 7, s.user()?),
            "sourceIPs" => once(&mut d.source_ips, &mut seen, 8, s.opt_strings()?),
            "userAgent" => once(&mut d.user_agent, &mut seen, 9, s.opt_string()?),
            "objectRef" => once(&mut d.object_ref, &mut seen, 10, s.object_ref()?),
            "responseStatus" => once(&mut d.response_status, &mut seen, 11, s.status()?),
            "requestObject" => once(&mut d.request_object, &mut seen, 12, s.opt_raw()?),
            "responseObject" => once(&mut d.response_object, &mut seen, 13, s.opt_raw()?),
            "requestReceivedTimestamp" => once(
                &mut d.request_received_timestamp,
                &mut seen,
                14,
                s.opt_string()?,
            ),
            "stageTimestamp" => once(&mut d.stage_timestamp, &mut seen, 15, s.opt_string()?),
            "annotations" => {
                let mut m = BTreeMap::new();
                let present = s.object(|s, k| {
                    m.insert(k, s.string()?);
                    Some(())
                })?;
                once(&mut d.annotations, &mut seen, 16, present.then_some(m))
            }
            // Every other key serde's `Doc` knows belongs to a wrapper or to v1beta1: serde's.
            k if super::WRAPPER_KEYS.contains(&k) => None,
            _ => s.skip(1),
        })?;
        present.then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::super::{Doc, Envelope, Event, raw};

    fn env() -> Envelope<'static> {
        Envelope {
            format: raw::FORMAT,
            cluster: None,
            time: None,
        }
    }

    /// What the fast path makes of a line, if it takes it.
    fn fast(line: &str) -> Option<Result<Event<'_>, String>> {
        super::doc(line)
            .filter(|d| raw::looks_like_event(d))
            .map(|d| raw::event(d, &env()))
    }

    /// What serde makes of it, when it is a raw event.
    fn slow(line: &str) -> Option<Result<Event<'_>, String>> {
        serde_json::from_str::<Doc<'_>>(line)
            .ok()
            .filter(raw::looks_like_event)
            .map(|d| raw::event(Box::new(d), &env()))
    }

    /// Every line the fast path takes, serde takes too, with the same result.
    fn agree(line: &str) -> bool {
        match fast(line) {
            None => false,
            Some(f) => {
                let s = slow(line);
                assert_eq!(Some(&f), s.as_ref(), "the two paths differ on {line:?}");
                true
            }
        }
    }

    fn fixture_lines() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut lines = Vec::new();
        for dir in ["tests/fixtures", "data"] {
            for e in walkdir::WalkDir::new(root.join(dir)).sort_by_file_name() {
                let Ok(e) = e else { continue };
                let Ok(text) = std::fs::read_to_string(e.path()) else {
                    continue; // compressed or not UTF-8
                };
                lines.extend(text.lines().map(str::to_owned));
            }
        }
        lines
    }

    #[test]
    fn fast_and_serde_agree_on_every_fixture_line() {
        let lines = fixture_lines();
        let taken = lines.iter().filter(|l| agree(l)).count();
        // Most fixture lines are plain raw events: the fast path must take them.
        assert!(taken > 200, "the fast path took only {taken} lines");
    }

    #[test]
    fn fast_and_serde_agree_on_mangled_lines() {
        const NASTY: [&str; 24] = [
            "\"",
            "\\",
            "{",
            "}",
            "[",
            "]",
            ",",
            ":",
            "null",
            "1e5",
            "-0",
            "01",
            "\\u0041",
            "\\ud83d\\ude00",
            "\\ud800",
            "\u{1}",
            " ",
            "true",
            "\"kind\":\"Event\",",
            "\"stage\":1,",
            "\"code\":403.0,",
            "\"auditID\":\"x\",",
            "\\/",
            "\"user\":null,",
        ];
        let lines: Vec<String> = fixture_lines()
            .into_iter()
            .filter(|l| fast(l).is_some())
            .collect();
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut below = |n: usize| (rng.next_u64() % n.max(1) as u64) as usize;
        let mut taken = 0;
        for _ in 0..20_000 {
            let line = &lines[below(lines.len())];
            let mut at = below(line.len() + 1);
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            let mut m = line[..at].to_owned();
            match below(3) {
                0 => m.push_str(NASTY[below(NASTY.len())]),
                1 => {} // a byte or more cut out below
                _ => m.push_str(&line[at..(at + 1).min(line.len())]), // a character twice
            }
            let mut rest = at + below(line.len() - at + 1);
            while !line.is_char_boundary(rest) {
                rest += 1;
            }
            m.push_str(&line[rest..]);
            if agree(&m) {
                taken += 1;
            }
        }
        assert!(taken > 1000, "mutations taken: {taken}");
    }

    #[test]
    fn special_finds_the_first_quote_backslash_or_control_byte() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..20_000 {
            let len = (rng.next_u64() % 40) as usize;
            let b: Vec<u8> = (0..len)
                .map(|_| match rng.next_u64() % 12 {
                    0 => b'"',
                    1 => b'\\',
                    2 => (rng.next_u64() % 0x20) as u8,
                    3 => 0x80 | (rng.next_u64() % 0x80) as u8,
                    _ => b' ' + (rng.next_u64() % 0x5f) as u8,
                })
                .collect();
            let naive = b.iter().position(|&c| c == b'"' || c == b'\\' || c < 0x20);
            assert_eq!(super::special(&b), naive, "{b:?}");
        }
    }

    #[test]
    fn escapes_are_decoded_as_serde_does() {
        let line = r#"{"kind":"Event","auditID":"a\u0031","verb":"g\u0065t","requestURI":"/api?x=1\u0026y=\/2","user":{"username":"system\u003aserviceaccount:a:b","extra":{"k\u0021":["\ud83d\ude00","\t"]}},"stageTimestamp":"2026-01-05T00:00:00Z","annotations":{"authorization.k8s.io/decision":"\u0066orbid"},"requestObject":{"a":"\u0026","b":[1,2.5e-3,-0,true,false,null,{}]}}"#;
        assert!(agree(line));
        let ev = fast(line).and_then(Result::ok).unwrap_or_default();
        assert_eq!(ev.authz_decision.as_deref(), Some("forbid"));
        assert_eq!(ev.request_uri.as_deref(), Some("/api?x=1&y=/2"));
    }

    #[test]
    fn what_the_fast_path_leaves_to_serde() {
        for line in [
            r#"{"auditID":"a","auditID":"b","stageTimestamp":"2026-01-05T00:00:00Z"}"#, // duplicate
            r#"{"auditID":"a","stageTimestamp":"2026-01-05T00:00:00Z","timestamp":"x"}"#, // v1beta1
            r#"{"auditID":"a","responseStatus":{"code":403.0}}"#, // not an integer
            r#"{"auditID":"\ud800","stageTimestamp":"2026-01-05T00:00:00Z"}"#, // lone surrogate
            r#"{"auditID":"a","stageTimestamp":"2026-01-05T00:00:00Z"} x"#, // trailing text
            r#"{"auditID":"a","message":"{}"}"#,                  // a wrapper's key
            "[]",
            "null",
        ] {
            assert!(super::doc(line).is_none(), "{line}");
        }
        let deep = format!(
            r#"{{"auditID":"a","stageTimestamp":"2026-01-05T00:00:00Z","requestObject":{}1{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(super::doc(&deep).is_none());
    }
}
