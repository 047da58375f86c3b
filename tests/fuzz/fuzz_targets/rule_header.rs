//! A rule file (header comments and SQL) from a user's folder: parsed or refused with a
//! message, never a panic.
#![no_main]

use audithound::query::rules::parse_rule;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(message) = parse_rule("fuzz.sql", text) {
        assert!(!message.is_empty(), "a refused rule says why");
    }
});
