//! Timestamps as audit logs write them: any text parses to a time or to nothing, never a panic
//! or an overflow; a time we print reads back unchanged.
#![no_main]

use audithound::ingest::timestamp::parse_micros;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(us) = parse_micros(s) {
        // Round trip through the form the archive's readers print (RFC 3339, microseconds).
        if let Some(t) = chrono::DateTime::from_timestamp_micros(us) {
            let printed = t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
            assert_eq!(parse_micros(&printed), Some(us), "{s:?} -> {printed}");
        }
    }
});
