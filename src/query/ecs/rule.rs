//! The rule's side of an alert document: the `kibana.alert.rule.*` keys every alert of a rule
//! shares, Elastic's MITRE `threat` array, Kibana's reason sentence, and the derived ids.

use std::fmt::Write as _;

use serde_json::{Map, Value, json};

use crate::query::rules::Rule;

/// The schedule a document names (`kibana.alert.rule.interval`, `from`, `max_signals`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSchedule {
    pub interval: String,
    pub from: String,
    pub max_signals: u64,
}

impl RuleSchedule {
    /// As the rule's header says (Elastic's defaults where it is silent).
    pub fn of(rule: &Rule) -> Self {
        let or = |key: &str, default: &str| match rule.get(key) {
            "" => default.to_owned(),
            v => v.to_owned(),
        };
        Self {
            interval: or("interval", "5m"),
            from: or("from", "now-6m"),
            max_signals: rule.get("max_signals").parse().unwrap_or(100),
        }
    }
}

/// Writes a duration the way Elastic writes one (`5m`, `90s`, `1h`, `7d`): the largest unit
/// that divides it.
pub fn duration_text(micros: i64) -> String {
    let secs = micros / 1_000_000;
    for (unit, n) in [("d", 86_400), ("h", 3600), ("m", 60)] {
        if secs != 0 && secs % n == 0 {
            return format!("{}{unit}", secs / n);
        }
    }
    format!("{secs}s")
}

/// A UUID (RFC 9562 version 8, "custom") cut from the BLAKE3 hash of `text`.
fn derived_uuid(text: &str) -> String {
    let h = blake3::hash(text.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.as_bytes()[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut hex = String::with_capacity(32);
    for x in b {
        let _ = write!(hex, "{x:02x}");
    }
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// `kibana.alert.uuid` of the alert `alert_id` of rule `rule_id`.
pub fn alert_uuid(rule_id: &str, alert_id: &str) -> String {
    blake3::hash(format!("audithound:{rule_id}:{alert_id}").as_bytes())
        .to_hex()
        .to_string()
}

/// `kibana.alert.rule.execution.uuid` of the execution of `rule_id` at `time`.
pub fn execution_uuid(rule_id: &str, time: i64) -> String {
    derived_uuid(&format!("audithound execution:{rule_id}:{time}"))
}

/// The rule's MITRE header (`TA0007 Discovery; T1613 Container and Resource Discovery | ...`)
/// as Elastic's `threat` array.
pub fn threat(mitre: &str) -> Value {
    let mut out = Vec::new();
    for tactic in mitre.split('|') {
        let mut parts = tactic.split(';').map(str::trim).filter(|s| !s.is_empty());
        let Some(head) = parts.next() else {
            continue;
        };
        let (id, name) = head.split_once(' ').unwrap_or((head, ""));
        let mut techniques: Vec<(String, Map<String, Value>, Vec<Value>)> = Vec::new();
        for t in parts {
            let (tid, tname) = t.split_once(' ').unwrap_or((t, ""));
            if let Some((parent, sub)) = tid.split_once('.') {
                let item = json!({
                    "id": tid,
                    "name": tname,
                    "reference": format!("https://attack.mitre.org/techniques/{parent}/{sub}/"),
                });
                if let Some((_, _, subs)) = techniques.iter_mut().find(|(p, _, _)| p == parent) {
                    subs.push(item);
                } else {
                    let mut m = Map::new();
                    m.insert("id".into(), parent.into());
                    m.insert(
                        "reference".into(),
                        format!("https://attack.mitre.org/techniques/{parent}/").into(),
                    );
                    techniques.push((parent.to_owned(), m, vec![item]));
                }
                continue;
            }
            let mut m = Map::new();
            m.insert("id".into(), tid.into());
            m.insert("name".into(), tname.into());
            m.insert(
                "reference".into(),
                format!("https://attack.mitre.org/techniques/{tid}/").into(),
            );
            techniques.push((tid.to_owned(), m, Vec::new()));
        }
        let techniques: Vec<Value> = techniques
            .into_iter()
            .map(|(_, mut m, subs)| {
                m.insert("subtechnique".into(), Value::Array(subs));
                Value::Object(m)
            })
            .collect();
        out.push(json!({
            "framework": "MITRE ATT&CK",
            "tactic": {
                "id": id,
                "name": name,
                "reference": format!("https://attack.mitre.org/tactics/{id}/"),
            },
            "technique": techniques,
        }));
    }
    Value::Array(out)
}

/// Rule prose as paragraphs and list items, each unwrapped onto one line (a header wraps its
/// text at 100 columns; Kibana shows a description as written).
fn prose_items(text: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            open = false;
        } else if let Some(item) = t.strip_prefix("- ") {
            items.push(item.to_owned());
            open = true;
        } else if open && let Some(last) = items.last_mut() {
            last.push(' ');
            last.push_str(t);
        } else {
            items.push(t.to_owned());
            open = true;
        }
    }
    items
}

fn lines_of(text: &str, sep: char) -> Vec<Value> {
    text.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| Value::String(s.to_owned()))
        .collect()
}

/// The `kibana.*` keys every alert of `rule` shares, under `schedule`.
pub fn rule_fields(rule: &Rule, schedule: &RuleSchedule) -> Map<String, Value> {
    let kind = match rule.get("type") {
        "" => "query",
        t => t,
    };
    let (category, type_id) = match kind {
        "eql" => ("Event Correlation Rule", "siem.eqlRule"),
        "esql" => ("ES|QL Rule", "siem.esqlRule"),
        "new_terms" => ("New Terms Rule", "siem.newTermsRule"),
        "threshold" => ("Threshold Rule", "siem.thresholdRule"),
        _ => ("Custom Query Rule", "siem.queryRule"),
    };
    let rule_id = match rule.get("elastic_rule_id") {
        "" => rule.id.as_str(),
        id => id,
    };
    let version: i64 = rule.get("elastic_rule_version").parse().unwrap_or(1);
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    put("event.kind", "signal".into());
    put("kibana.space_ids", json!(["default"]));
    put("kibana.alert.severity", rule.severity.clone().into());
    put("kibana.alert.risk_score", rule.risk_score.into());
    put("kibana.alert.status", "active".into());
    put("kibana.alert.workflow_status", "open".into());
    put("kibana.alert.depth", 1.into());
    put(
        "kibana.alert.rule.uuid",
        derived_uuid(&format!("audithound rule:{}", rule.id)).into(),
    );
    put("kibana.alert.rule.rule_id", rule_id.into());
    put("kibana.alert.rule.name", rule.name.clone().into());
    put("kibana.alert.rule.type", kind.into());
    put("kibana.alert.rule.severity", rule.severity.clone().into());
    put("kibana.alert.rule.risk_score", rule.risk_score.into());
    put(
        "kibana.alert.rule.interval",
        schedule.interval.clone().into(),
    );
    put("kibana.alert.rule.from", schedule.from.clone().into());
    put("kibana.alert.rule.to", "now".into());
    put("kibana.alert.rule.max_signals", schedule.max_signals.into());
    put("kibana.alert.rule.threat", threat(rule.get("mitre")));
    put("kibana.alert.rule.version", version.into());
    put(
        "kibana.alert.rule.description",
        prose_items(rule.get("what")).join("\n\n").into(),
    );
    put(
        "kibana.alert.rule.note",
        prose_items(rule.get("triage"))
            .iter()
            .map(|i| format!("- {i}"))
            .collect::<Vec<_>>()
            .join("\n")
            .into(),
    );
    put(
        "kibana.alert.rule.false_positives",
        Value::Array(
            prose_items(rule.get("false_positives"))
                .into_iter()
                .map(Value::String)
                .collect(),
        ),
    );
    put(
        "kibana.alert.rule.references",
        Value::Array(lines_of(rule.get("references"), '\n')),
    );
    put(
        "kibana.alert.rule.tags",
        Value::Array(lines_of(rule.get("tags"), ';')),
    );
    put("kibana.alert.rule.license", rule.get("license").into());
    put("kibana.alert.rule.category", category.into());
    put("kibana.alert.rule.rule_type_id", type_id.into());
    put("kibana.alert.rule.consumer", "siem".into());
    put("kibana.alert.rule.producer", "siem".into());
    m
}

/// Kibana's alert reason (`reason_formatters.ts`) for an event with these source IPs and user:
/// `event with source 10.0.0.1 by alice created medium alert My rule.`
pub fn reason(source_ips: &[String], user: Option<&str>, severity: &str, name: &str) -> String {
    let ips: Vec<&str> = source_ips.iter().map(String::as_str).collect();
    let ips = (!ips.is_empty() && ips != ["-"]).then(|| ips.join(", "));
    let user = user.filter(|u| !u.is_empty() && *u != "-");
    let mut s = String::from("event");
    if let Some(ips) = ips {
        s.push_str(" with source ");
        s.push_str(&ips);
    }
    if let Some(u) = user {
        s.push_str(" by ");
        s.push_str(u);
    }
    let _ = write!(s, " created {severity} alert {name}.");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_back() {
        assert_eq!(duration_text(300_000_000), "5m");
        assert_eq!(duration_text(360_000_000), "6m");
        assert_eq!(duration_text(90_000_000), "90s");
        assert_eq!(duration_text(7 * 86_400_000_000), "7d");
        assert_eq!(duration_text(3_600_000_000), "1h");
    }

    #[test]
    fn ids_are_derived() {
        let a = alert_uuid("r", "abc");
        assert_eq!(a.len(), 64);
        assert_eq!(a, alert_uuid("r", "abc"));
        assert_ne!(a, alert_uuid("r2", "abc"));
        let u = execution_uuid("r", 5);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8");
        assert_ne!(u, execution_uuid("r", 6));
    }

    #[test]
    fn threat_as_elastic_writes_it() {
        let t = threat(
            "TA0007 Discovery; T1613 Container and Resource Discovery | TA0002 Execution; T1059.004 Unix Shell",
        );
        assert_eq!(t[0]["tactic"]["id"], "TA0007");
        assert_eq!(t[0]["tactic"]["name"], "Discovery");
        assert_eq!(
            t[0]["tactic"]["reference"],
            "https://attack.mitre.org/tactics/TA0007/"
        );
        assert_eq!(t[0]["technique"][0]["id"], "T1613");
        assert_eq!(t[0]["technique"][0]["subtechnique"], json!([]));
        assert_eq!(t[1]["technique"][0]["id"], "T1059");
        assert_eq!(t[1]["technique"][0]["subtechnique"][0]["id"], "T1059.004");
        assert_eq!(
            t[1]["technique"][0]["subtechnique"][0]["reference"],
            "https://attack.mitre.org/techniques/T1059/004/"
        );
        assert_eq!(threat(""), json!([]));
    }

    #[test]
    fn prose_is_unwrapped() {
        assert_eq!(
            prose_items("One\ntwo.\n\n- a\n  continued\n- b\nTail"),
            ["One two.", "a continued", "b Tail"]
        );
        assert!(prose_items("").is_empty());
    }

    #[test]
    fn reasons_read_like_kibana() {
        let ips = vec!["10.0.0.1".to_owned(), "10.0.0.2".to_owned()];
        assert_eq!(
            reason(&ips, Some("alice"), "medium", "R"),
            "event with source 10.0.0.1, 10.0.0.2 by alice created medium alert R."
        );
        assert_eq!(
            reason(&[], Some("alice"), "low", "R"),
            "event by alice created low alert R."
        );
        assert_eq!(reason(&[], None, "low", "R"), "event created low alert R.");
    }
}
