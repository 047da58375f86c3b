//! Timestamp parsing and formatting, by hand because it runs two or three times per event.
//!
//! Accepted: `YYYY-MM-DD` + `T`, `t` or a space + `HH:MM:SS`, 0 to 9 fractional digits, then `Z`,
//! `z`, an offset `±HH:MM` / `±HHMM` / `±HH`, or nothing (taken as UTC, the form Panther
//! normalises to). Everything is stored as microseconds since the Unix epoch, UTC; digits past the
//! sixth are truncated.

/// Days from 1970-01-01 to the given civil date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

pub const MICROS_PER_DAY: i64 = 86_400_000_000;

fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at + n)?;
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + u32::from(c - b'0');
    }
    Some(v)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Parses a timestamp into microseconds since the epoch, UTC. `None` if it is not one of the
/// accepted forms or names an impossible date or time.
pub fn parse_micros(s: &str) -> Option<i64> {
    let b = s.trim().as_bytes();
    let year = i64::from(digits(b, 0, 4)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    if b.len() == 10 {
        return Some(days * MICROS_PER_DAY);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' ')) || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = digits(b, 11, 2)?;
    let min = digits(b, 14, 2)?;
    if b.get(16) != Some(&b':') {
        return None;
    }
    let sec = digits(b, 17, 2)?;
    // 60 allows a leap second; it is folded into the next minute.
    if hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut micros = 0i64;
    if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 6 {
                micros = micros * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        let n = i - start;
        if n == 0 || n > 9 {
            return None;
        }
        for _ in n..6 {
            micros *= 10;
        }
    }
    let offset_secs: i64 = match b.get(i) {
        None => 0,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let om = match b.len() - (i + 3) {
                0 => 0,
                3 if b[i + 3] == b':' => digits(b, i + 4, 2)?,
                2 => digits(b, i + 3, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let o = i64::from(oh * 3600 + om * 60);
            if sign == b'+' { o } else { -o }
        }
        _ => return None,
    };
    let secs = days * 86_400 + i64::from(hour * 3600 + min * 60 + sec) - offset_secs;
    // An offset can carry the first or last day of the range out of it (found by fuzzing:
    // `0000-01-01T00:32:00+02` is in year -1, which no reader prints and reads back).
    Some(secs * 1_000_000 + micros).filter(|us| RFC3339_RANGE.contains(us))
}

/// The instants RFC 3339 can write, in microseconds: years 0000 to 9999, UTC.
const RFC3339_RANGE: std::ops::Range<i64> = {
    let first = -719_528 * MICROS_PER_DAY; // 0000-01-01
    let end = 2_932_897 * MICROS_PER_DAY; // 10000-01-01
    first..end
};

/// Epoch milliseconds (a CloudWatch `timestamp`) as microseconds, if within the years that
/// RFC 3339 can write (0000-9999): a huge number is no time, and never overflows.
pub fn micros_from_millis(ms: i64) -> Option<i64> {
    ms.checked_mul(1000).filter(|us| RFC3339_RANGE.contains(us))
}

/// `YYYY-MM-DD` of a timestamp in microseconds, UTC.
pub fn date_string(micros: i64) -> String {
    let (y, m, d) = civil_from_days(micros.div_euclid(MICROS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// RFC 3339, UTC, with microseconds: `2026-01-05T08:12:33.123456Z`.
pub fn rfc3339(micros: i64) -> String {
    let day = micros.div_euclid(MICROS_PER_DAY);
    let rem = micros.rem_euclid(MICROS_PER_DAY);
    let (y, m, d) = civil_from_days(day);
    let secs = rem / 1_000_000;
    let us = rem % 1_000_000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{us:06}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: i64 = 1_767_225_600_000_000; // 2026-01-01T00:00:00Z

    #[test]
    fn fractional_digits_zero_to_nine() {
        assert_eq!(parse_micros("2026-01-01T00:00:00Z"), Some(BASE));
        assert_eq!(parse_micros("2026-01-01T00:00:00.1Z"), Some(BASE + 100_000));
        assert_eq!(
            parse_micros("2026-01-01T00:00:00.12Z"),
            Some(BASE + 120_000)
        );
        assert_eq!(
            parse_micros("2026-01-01T00:00:00.123456Z"),
            Some(BASE + 123_456)
        );
        assert_eq!(
            parse_micros("2026-01-01T00:00:00.123456789Z"),
            Some(BASE + 123_456)
        );
        assert_eq!(parse_micros("2026-01-01T00:00:00.1234567890Z"), None);
        assert_eq!(parse_micros("2026-01-01T00:00:00.Z"), None);
    }

    #[test]
    fn offsets_space_and_no_zone() {
        assert_eq!(parse_micros("2026-01-01T02:00:00+02:00"), Some(BASE));
        assert_eq!(parse_micros("2026-01-01T02:00:00+0200"), Some(BASE));
        assert_eq!(parse_micros("2025-12-31T19:30:00-04:30"), Some(BASE));
        assert_eq!(parse_micros("2026-01-01 00:00:00.5"), Some(BASE + 500_000));
        assert_eq!(parse_micros("2026-01-01 00:00:00"), Some(BASE));
        assert_eq!(parse_micros("2026-01-01"), Some(BASE));
    }

    #[test]
    fn rejects_garbage_and_impossible_dates() {
        for s in [
            "",
            "yesterday",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T00:00:00Q",
            "2026-01-01T00:00:00+2",
            "2026/01/01 00:00:00",
        ] {
            assert_eq!(parse_micros(s), None, "{s}");
        }
        assert!(parse_micros("2024-02-29T00:00:00Z").is_some());
    }

    #[test]
    fn range_edges_and_offsets_that_leave_it() {
        assert_eq!(
            RFC3339_RANGE.start,
            days_from_civil(0, 1, 1) * MICROS_PER_DAY
        );
        assert_eq!(
            RFC3339_RANGE.end,
            days_from_civil(10_000, 1, 1) * MICROS_PER_DAY
        );
        assert_eq!(
            parse_micros("0000-01-01T00:00:00Z"),
            Some(RFC3339_RANGE.start)
        );
        assert_eq!(
            parse_micros("9999-12-31T23:59:59.999999Z"),
            Some(RFC3339_RANGE.end - 1)
        );
        // Regression (cargo fuzz, target `timestamp`): year -1 after the offset.
        assert_eq!(parse_micros("0000-01-01T00:32:00+02"), None);
        assert_eq!(parse_micros("9999-12-31T23:30:00-01:00"), None);
        assert_eq!(parse_micros("9999-12-31T23:59:60Z"), None);
    }

    #[test]
    fn formats_round_trip() {
        let t = parse_micros("2026-03-04T05:06:07.000089Z").unwrap_or_default();
        assert_eq!(rfc3339(t), "2026-03-04T05:06:07.000089Z");
        assert_eq!(date_string(t), "2026-03-04");
        assert_eq!(date_string(-1), "1969-12-31");
        for d in [-800_000, -1, 0, 1, 19_000, 2_932_896] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
    }
}
