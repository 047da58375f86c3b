//! Primitives of the generator: the one seeded random stream, hand-written byte writers
//! (numbers, hex, uuids, JSON escaping), the clock that turns microseconds into audit
//! timestamps, and the small enums (verb, stage, level, outcome) a request is made of.
//!
//! They sit apart from the model and the planner because everything else builds on them and
//! none of them knows about callers or stories.

use chrono::NaiveDate;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

// ---------------------------------------------------------------------------------------------
// Randomness and byte writers
// ---------------------------------------------------------------------------------------------

/// The one random stream. Ranges are mapped by hand (multiply-shift) so the bytes depend only on
/// the ChaCha8 stream, not on how a `rand` version samples distributions.
pub(super) struct Dice(ChaCha8Rng);

impl Dice {
    pub(super) fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n` > 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    pub(super) fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub(super) fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// Uniform in `[0, 1)`.
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Index into a cumulative weight table (last entry = total).
    pub(super) fn weighted(&mut self, cum: &[u32]) -> usize {
        let total = cum.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let x = self.below(u64::from(total)) as u32;
        cum.partition_point(|&c| c <= x)
    }

    pub(super) fn uuid(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }
}

/// Cumulative weights of a list.
pub(super) fn cumulative(weights: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut total = 0u32;
    weights
        .into_iter()
        .map(|w| {
            total += w;
            total
        })
        .collect()
}

/// SplitMix64: derives render-time variations (uids, versions) from a request's body seed.
pub(super) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub(super) fn push_u64(b: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    b.extend_from_slice(&tmp[i..]);
}

/// `n` as exactly `width` decimal digits (zero-padded, high digits dropped).
pub(super) fn push_padded(b: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    for slot in tmp[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    b.extend_from_slice(&tmp[..width]);
}

pub(super) const HEX: &[u8; 16] = b"0123456789abcdef";

/// The low `digits` nibbles of `v` as lower-case hex.
pub(super) fn push_hex(b: &mut Vec<u8>, v: u128, digits: u32) {
    for i in (0..digits).rev() {
        b.push(HEX[((v >> (i * 4)) & 0xf) as usize]);
    }
}

/// A UUID-v4-looking string (version and variant bits forced).
pub(super) fn push_uuid(b: &mut Vec<u8>, v: u128) {
    let v = (v & !(0xf << 76) & !(0x3 << 62)) | (0x4 << 76) | (0x2 << 62);
    push_hex(b, v >> 96, 8);
    b.push(b'-');
    push_hex(b, v >> 80, 4);
    b.push(b'-');
    push_hex(b, v >> 64, 4);
    b.push(b'-');
    push_hex(b, v >> 48, 4);
    b.push(b'-');
    push_hex(b, v, 12);
}

pub(super) fn uuid_string(v: u128) -> String {
    let mut b = Vec::with_capacity(36);
    push_uuid(&mut b, v);
    String::from_utf8_lossy(&b).into_owned()
}

/// Escapes `s` as the inside of a JSON string. `html` also escapes `<`, `>` and `&` as Go's
/// encoder (and so kube-apiserver) does: `\u0026`.
pub(super) fn escape_into(b: &mut Vec<u8>, s: &[u8], html: bool) {
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        let short: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            b'<' | b'>' | b'&' if html => b"",
            0..=0x1f => b"",
            _ => continue,
        };
        b.extend_from_slice(&s[start..i]);
        if short.is_empty() {
            b.extend_from_slice(b"\\u00");
            b.push(HEX[usize::from(c >> 4)]);
            b.push(HEX[usize::from(c & 0xf)]);
        } else {
            b.extend_from_slice(short);
        }
        start = i + 1;
    }
    b.extend_from_slice(&s[start..]);
}

/// `s` as a complete JSON string, Go-style escaped, for the pools built at start-up.
pub(super) fn json_str(s: &str) -> String {
    let mut b = Vec::with_capacity(s.len() + 2);
    b.push(b'"');
    escape_into(&mut b, s.as_bytes(), true);
    b.push(b'"');
    String::from_utf8_lossy(&b).into_owned()
}

/// The inside of a JSON string (no quotes), Go-style escaped.
pub(super) fn json_inner(s: &str) -> String {
    let mut b = Vec::with_capacity(s.len());
    escape_into(&mut b, s.as_bytes(), true);
    String::from_utf8_lossy(&b).into_owned()
}

pub(super) const SEC_US: i64 = 1_000_000;

/// A drawn count as a time offset (draws are far below `i64::MAX`).
pub(super) fn span(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
pub(super) const DAY_US: i64 = 86_400 * SEC_US;

/// Formats microsecond timestamps; dates come from a table built once.
pub(super) struct Clock {
    pub(super) start_us: i64,
    pub(super) dates: Vec<[u8; 10]>,
}

impl Clock {
    pub(super) fn new(start: NaiveDate, days: u32) -> Self {
        let start_us = start
            .and_hms_opt(0, 0, 0)
            .map_or(0, |t| t.and_utc().timestamp_micros());
        let dates = (0..=u64::from(days) + 1)
            .map(|d| {
                let mut out = [b'0'; 10];
                if let Some(date) = start.checked_add_days(chrono::Days::new(d)) {
                    let s = date.format("%Y-%m-%d").to_string();
                    if s.len() == 10 {
                        out.copy_from_slice(s.as_bytes());
                    }
                }
                out
            })
            .collect();
        Self { start_us, dates }
    }

    /// `2026-01-05T08:12:33.123456Z`, or without the fraction when `micros` is false.
    pub(super) fn push(&self, b: &mut Vec<u8>, us: i64, micros: bool) {
        let rel = (us - self.start_us).max(0);
        let day = ((rel / DAY_US) as usize).min(self.dates.len() - 1);
        let r = (rel % DAY_US) as u64;
        b.extend_from_slice(&self.dates[day]);
        b.push(b'T');
        let secs = r / 1_000_000;
        push_padded(b, secs / 3600, 2);
        b.push(b':');
        push_padded(b, secs / 60 % 60, 2);
        b.push(b':');
        push_padded(b, secs % 60, 2);
        if micros {
            b.push(b'.');
            push_padded(b, r % 1_000_000, 6);
        }
        b.push(b'Z');
    }
}

// ---------------------------------------------------------------------------------------------
// The vocabulary: verbs, stages, levels, namespaces, resources
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verb {
    Get,
    List,
    Watch,
    Create,
    Update,
    Patch,
    Delete,
    DeleteCollection,
}

impl Verb {
    /// Every verb, for parsing the model's operations.
    pub(super) const ALL: [Verb; 8] = [
        Verb::Get,
        Verb::List,
        Verb::Watch,
        Verb::Create,
        Verb::Update,
        Verb::Patch,
        Verb::Delete,
        Verb::DeleteCollection,
    ];

    pub(super) fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "get",
            Verb::List => "list",
            Verb::Watch => "watch",
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::Patch => "patch",
            Verb::Delete => "delete",
            Verb::DeleteCollection => "deletecollection",
        }
    }

    /// Whether the request names one object (in the URI and `objectRef.name`).
    pub(super) fn named(self) -> bool {
        matches!(self, Verb::Get | Verb::Update | Verb::Patch | Verb::Delete)
    }

    pub(super) fn writes(self) -> bool {
        matches!(self, Verb::Create | Verb::Update | Verb::Patch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
}

impl Stage {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Level {
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// How a request ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Ok,
    Created,
    /// 101 Switching Protocols (an allowed `pods/exec`), logged as ResponseStarted.
    Upgraded,
    /// RBAC (or Node authorizer) denial: 403, decision `forbid`.
    Forbid,
    /// A denial whose decision annotation reads `Forbid` (a look-alike the rule must not match).
    ForbidOddCase,
    /// 403 from an admission webhook: no authorization annotations.
    WebhookDenied,
    NotFound,
    Conflict,
    AlreadyExists,
    Invalid,
    ServerError,
}

impl Outcome {
    pub(super) fn code(self) -> u64 {
        match self {
            Outcome::Ok => 200,
            Outcome::Created => 201,
            Outcome::Upgraded => 101,
            Outcome::Forbid | Outcome::ForbidOddCase | Outcome::WebhookDenied => 403,
            Outcome::NotFound => 404,
            Outcome::Conflict | Outcome::AlreadyExists => 409,
            Outcome::Invalid => 422,
            Outcome::ServerError => 500,
        }
    }

    pub(super) fn success(self) -> bool {
        matches!(self, Outcome::Ok | Outcome::Created | Outcome::Upgraded)
    }

    pub(super) fn denied(self) -> bool {
        matches!(self, Outcome::Forbid | Outcome::ForbidOddCase)
    }
}
