//! The raw-line prefilter of the shipped rules: any bytes are judged without a panic, and a
//! line holding every literal of some rule's group, written plainly, is always kept (the filter
//! may only skip lines no rule can match).
#![no_main]

use audithound::ingest::prefilter::Prefilter;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The shipped seed rule's literals, and a group with characters JSON must escape.
    let groups = vec![
        vec!["system:serviceaccount:".to_owned()],
        vec!["forbid".to_owned()],
        vec!["a/b\"c".to_owned()],
    ];
    let f = Prefilter::new(&groups);
    let kept = f.matches(data);
    let plain = |lit: &str| data.windows(lit.len()).any(|w| w == lit.as_bytes());
    if plain("system:serviceaccount:") && plain("forbid") && plain("a/b\"c") {
        assert!(kept, "a line holding every literal was skipped");
    }
});
