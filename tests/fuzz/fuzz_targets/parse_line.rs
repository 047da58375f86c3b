//! Any line, in every input shape the parser recognises (raw events, lists, EKS, AKS, GKE, ECS
//! documents), with secrets redacted and kept: an event or a reject with a reason, never a panic;
//! every event becomes a row of the archive's Arrow schema.
#![no_main]

use audithound::ingest::batch::EventRows;
use audithound::ingest::parse::redact::Secrets;
use audithound::ingest::parse::{Event, Sink, parse_line};
use libfuzzer_sys::fuzz_target;

#[derive(Default)]
struct Rows {
    rows: EventRows,
    events: usize,
}

impl Sink for Rows {
    fn event(&mut self, event: &mut Event<'_>) {
        self.rows.append(event, "fuzz.jsonl", 1, "fuzz");
        self.events += 1;
    }
    fn reject(&mut self, reason: String) {
        assert!(!reason.is_empty(), "a reject gives its reason");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    for secrets in [Secrets::default(), Secrets::Keep] {
        let mut r = Rows::default();
        parse_line(line, &secrets, &mut r);
        let batch = r.rows.finish();
        assert!(batch.is_ok_and(|b| b.num_rows() == r.events), "{line:?}");
    }
});
