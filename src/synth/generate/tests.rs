//! End-to-end tests of the generator through its public API: exact counts, time order, the
//! audit shape, the mix of callers and the denials the rule must (and must not) match.

use super::prim::{DAY_US, SEC_US};
use super::*;
use serde_json::Value;
use std::io::Read;

fn run(opts: &GenerateOptions) -> (Vec<u8>, GenerateStats) {
    let mut out = Vec::new();
    let stats = generate(opts, &mut out).unwrap_or_else(|e| panic!("{e}"));
    (out, stats)
}

fn opts(events: u64) -> GenerateOptions {
    GenerateOptions {
        events,
        ..GenerateOptions::default()
    }
}

/// Parses every line (unwrapping EKS lines) into events.
fn events_of(bytes: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| panic!("{e}"));
    text.lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert!(v.is_object(), "{line}");
            match v.get("message").and_then(Value::as_str) {
                Some(m) => serde_json::from_str(m).unwrap_or_else(|e| panic!("{e}: {m}")),
                None => v,
            }
        })
        .collect()
}

fn s<'a>(e: &'a Value, pointer: &str) -> &'a str {
    e.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

fn micros(ts: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(ts)
        .unwrap_or_else(|e| panic!("{e}: {ts}"))
        .timestamp_micros()
}

/// The rule, independently: user name prefix (case-sensitive) and decision exactly `forbid`.
fn rule_matches(e: &Value) -> bool {
    s(e, "/user/username").starts_with("system:serviceaccount:")
        && e.pointer("/annotations/authorization.k8s.io~1decision")
            .and_then(Value::as_str)
            == Some("forbid")
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, _) = run(&opts(5_000));
    let (b, _) = run(&opts(5_000));
    assert_eq!(a, b);
    let (c, _) = run(&GenerateOptions {
        seed: 2,
        ..opts(5_000)
    });
    assert_ne!(a, c);
}

#[test]
fn event_counts_are_exact_and_in_time_order() {
    for (events, days) in [
        (1, 1),
        (2, 1),
        (3, 2),
        (299, 1),
        (300, 3),
        (999, 2),
        (1_000, 2),
        (1_001, 30),
        (4_321, 3),
    ] {
        let o = GenerateOptions {
            events,
            days,
            ..GenerateOptions::default()
        };
        let (bytes, stats) = run(&o);
        let evs = events_of(&bytes);
        assert_eq!(evs.len() as u64, events, "events {events} days {days}");
        assert_eq!(stats.events, events);
        assert_eq!(stats.lines, events);
        assert_eq!(stats.bytes, bytes.len() as u64);
        let start = micros("2026-01-05T00:00:00Z");
        let end = start + i64::from(days) * DAY_US;
        let mut last = i64::MIN;
        for e in &evs {
            let at = micros(s(e, "/stageTimestamp"));
            let received = micros(s(e, "/requestReceivedTimestamp"));
            assert!(at >= last, "out of order: {e}");
            assert!(received <= at && at - received < 2 * SEC_US, "{e}");
            assert!((start..end).contains(&received) && at < end, "{e}");
            last = at;
        }
    }
}

#[test]
fn events_have_the_audit_shape() {
    let (bytes, _) = run(&opts(20_000));
    let text = String::from_utf8_lossy(&bytes);
    let first = text.lines().next().unwrap_or_default();
    assert!(first.starts_with(r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#));
    let evs = events_of(&bytes);
    let mut stages = std::collections::BTreeMap::<String, Vec<String>>::new();
    for e in &evs {
        let stage = s(e, "/stage");
        let uri = s(e, "/requestURI");
        assert_eq!(s(e, "/auditID").len(), 36);
        assert_eq!(s(e, "/requestReceivedTimestamp").len(), 27);
        assert!(s(e, "/stageTimestamp").ends_with('Z'));
        stages
            .entry(s(e, "/auditID").to_owned())
            .or_default()
            .push(stage.to_owned());
        if stage == "RequestReceived" {
            assert!(
                e.get("responseStatus").is_none() && e.get("annotations").is_none(),
                "{e}"
            );
            assert!(e.get("requestObject").is_none() && e.get("responseObject").is_none());
        } else {
            assert!(
                e.pointer("/responseStatus/code").is_some_and(Value::is_u64),
                "{e}"
            );
        }
        match e.get("objectRef") {
            None => assert!(
                !uri.starts_with("/api/") && !uri.starts_with("/apis/"),
                "{e}"
            ),
            Some(r) => {
                let group = s(r, "/apiGroup");
                let version = s(r, "/apiVersion");
                let prefix = if group.is_empty() {
                    format!("/api/{version}/")
                } else {
                    format!("/apis/{group}/{version}/")
                };
                assert!(uri.starts_with(&prefix), "{e}");
                let path = uri.split('?').next().unwrap_or_default();
                let mut expect = prefix.trim_end_matches('/').to_owned();
                if let Some(ns) = r.get("namespace").and_then(Value::as_str) {
                    expect = format!("{expect}/namespaces/{ns}");
                }
                expect = format!("{expect}/{}", s(r, "/resource"));
                assert!(path.starts_with(&expect), "{path} vs {expect}");
                if let Some(sub) = r.get("subresource").and_then(Value::as_str) {
                    assert!(path.ends_with(&format!("/{sub}")), "{e}");
                }
                match s(e, "/verb") {
                    "watch" => assert!(
                        uri.contains("watch=true") && uri.contains("resourceVersion="),
                        "{e}"
                    ),
                    "list" => assert!(uri.contains("?limit=500"), "{e}"),
                    _ => {}
                }
            }
        }
    }
    for (id, st) in &stages {
        assert!(st[0] == "RequestReceived", "{id}: {st:?}");
        assert!(st.len() <= 2, "{id}: {st:?}");
    }
    let average = bytes.len() / evs.len();
    assert!(
        (800..=1_250).contains(&average),
        "average event size {average}"
    );
}

#[test]
fn the_mix_is_all_there() {
    let (bytes, stats) = run(&opts(20_000));
    let evs = events_of(&bytes);
    let has = |f: &dyn Fn(&Value) -> bool| evs.iter().any(f);
    let user = |e: &Value| s(e, "/user/username").to_owned();
    // Each kind of user.
    assert!(has(&|e| {
        user(e).starts_with("system:serviceaccount:")
            && e.pointer("/user/extra/authentication.kubernetes.io~1pod-name/0")
                .is_some()
            && e.pointer("/user/groups/1")
                .and_then(Value::as_str)
                .is_some_and(|g| g.starts_with("system:serviceaccounts:"))
    }));
    assert!(has(
        &|e| user(e).starts_with("system:node:ip-") && s(e, "/user/groups/0") == "system:nodes"
    ));
    for name in [
        "system:kube-controller-manager",
        "system:kube-scheduler",
        "system:apiserver",
        "system:anonymous",
    ] {
        assert!(has(&|e| user(e) == name), "{name}");
    }
    assert!(has(
        &|e| user(e) == "alice@example.com" && s(e, "/user/groups/0") == "system:masters"
    ));
    assert!(has(&|e| s(e, "/user/groups/0") == "dev-team"));
    for stage in ["RequestReceived", "ResponseStarted", "ResponseComplete"] {
        assert!(has(&|e| s(e, "/stage") == stage), "{stage}");
    }
    for level in ["Metadata", "Request", "RequestResponse"] {
        assert!(has(&|e| s(e, "/level") == level), "{level}");
    }
    assert!(has(&|e| e.get("requestObject").is_some()));
    assert!(has(&|e| e.get("responseObject").is_some()));
    for path in ["/healthz", "/livez", "/readyz", "/metrics"] {
        assert!(
            has(&|e| s(e, "/requestURI") == path && e.get("objectRef").is_none()),
            "{path}"
        );
    }
    for sub in ["exec", "log", "token", "status", "scale"] {
        assert!(has(&|e| s(e, "/objectRef/subresource") == sub), "{sub}");
    }
    for group in [
        "apps",
        "rbac.authorization.k8s.io",
        "batch",
        "coordination.k8s.io",
        "networking.k8s.io",
    ] {
        assert!(has(&|e| s(e, "/objectRef/apiGroup") == group), "{group}");
    }
    for code in [101, 200, 201, 403, 404, 409] {
        assert!(
            has(&|e| e.pointer("/responseStatus/code").and_then(Value::as_u64) == Some(code)),
            "{code}"
        );
    }
    let decision = |e: &Value| s(e, "/annotations/authorization.k8s.io~1decision").to_owned();
    assert!(has(&|e| decision(e) == "allow"
        && s(e, "/annotations/authorization.k8s.io~1reason")
            .starts_with("RBAC: allowed by ")));
    assert!(has(
        &|e| decision(e) == "forbid" && s(e, "/responseStatus/reason") == "Forbidden"
    ));
    assert!(has(&|e| s(
        e,
        "/annotations/pod-security.kubernetes.io~1enforce-policy"
    )
    .ends_with(":latest")));
    // The real message shapes.
    assert!(has(&|e| {
        let m = s(e, "/responseStatus/message");
        rule_matches(e)
            && m.contains(" is forbidden: User \"system:serviceaccount:")
            && m.contains("\" in the namespace \"")
    }));
    assert!(has(
        &|e| s(e, "/responseStatus/message").ends_with("\" at the cluster scope")
    ));
    // Look-alikes the rule must not match.
    assert!(has(
        &|e| user(e) == "system:serviceaccounts:kube-system" && decision(e) == "forbid"
    ));
    assert!(has(
        &|e| user(e) == "System:ServiceAccount:default:x" && decision(e) == "forbid"
    ));
    assert!(has(
        &|e| user(e).starts_with("system:serviceaccount:") && decision(e) == "Forbid"
    ));
    assert!(has(&|e| {
        e.pointer("/responseStatus/code").and_then(Value::as_u64) == Some(403)
            && e.get("annotations").is_none()
            && s(e, "/responseStatus/message").starts_with("admission webhook \"")
    }));
    assert!(has(
        &|e| user(e) == "system:anonymous" && decision(e) == "forbid"
    ));
    assert!(has(
        &|e| user(e).starts_with("system:node:") && decision(e) == "forbid"
    ));
    assert!(has(
        &|e| s(e, "/user/groups/0") == "dev-team" && decision(e) == "forbid"
    ));
    for d in ["allow", "forbid"] {
        assert!(
            has(&|e| {
                !user(e).starts_with("system:serviceaccount:")
                    && s(e, "/impersonatedUser/username").starts_with("system:serviceaccount:")
                    && decision(e) == d
            }),
            "impersonation {d}"
        );
    }
    // The stolen-token burst: >= 20 service-account denials from curl or python-requests
    // within 10 minutes, with allowed self-reviews from the same address.
    let mut burst: Vec<(i64, String)> = evs
        .iter()
        .filter(|e| rule_matches(e))
        .filter(|e| matches!(s(e, "/userAgent"), "curl/8.5.0" | "python-requests/2.31.0"))
        .map(|e| {
            (
                micros(s(e, "/stageTimestamp")),
                s(e, "/sourceIPs/0").to_owned(),
            )
        })
        .collect();
    burst.sort();
    let in_window = (0..burst.len())
        .map(|i| {
            burst[i..]
                .iter()
                .take_while(|(t, _)| t - burst[i].0 <= 600 * SEC_US)
                .count()
        })
        .max()
        .unwrap_or(0);
    assert!(in_window >= 20, "largest burst {in_window}");
    assert!(burst.iter().all(|(_, ip)| !ip.starts_with("10.")));
    assert!(has(&|e| {
        s(e, "/objectRef/resource") == "selfsubjectaccessreviews"
            && decision(e) == "allow"
            && matches!(s(e, "/userAgent"), "curl/8.5.0" | "python-requests/2.31.0")
    }));
    assert!(stats.sa_denials > 0);
}

#[test]
fn sa_denials_count_what_the_rule_matches() {
    for o in [
        opts(20_000),
        GenerateOptions {
            deny_rate: 0.1,
            seed: 7,
            ..opts(5_000)
        },
        GenerateOptions {
            deny_rate: 0.0,
            ..opts(3_000)
        },
        GenerateOptions {
            deny_rate: 1.0,
            ..opts(2_000)
        },
        GenerateOptions {
            clusters: 3,
            ..opts(4_000)
        },
    ] {
        let (bytes, stats) = run(&o);
        let evs = events_of(&bytes);
        let matched = evs.iter().filter(|e| rule_matches(e)).count() as u64;
        assert_eq!(stats.sa_denials, matched, "{o:?}");
        // The rate applies to the background; attack bursts come on top.
        let attack = |e: &&Value| {
            matches!(s(e, "/userAgent"), "curl/8.5.0" | "python-requests/2.31.0")
                && !s(e, "/sourceIPs/0").starts_with("10.")
        };
        let background: Vec<&Value> = evs.iter().filter(|e| !attack(e)).collect();
        let responses = background
            .iter()
            .filter(|e| s(e, "/stage") != "RequestReceived")
            .count() as f64;
        let denials = background
            .iter()
            .filter(|e| {
                s(e, "/annotations/authorization.k8s.io~1decision").eq_ignore_ascii_case("forbid")
            })
            .count() as f64;
        if o.deny_rate <= 0.0 {
            assert!(denials < 1.0);
            assert_eq!(matched, 0);
        } else if o.deny_rate * responses >= 100.0 {
            let rate = denials / responses;
            assert!(
                rate >= o.deny_rate * 0.8 && rate <= o.deny_rate * 1.25,
                "{rate} for {o:?}"
            );
        }
    }
}

#[test]
fn clusters_wrap_lines_as_eks_exports() {
    let (bytes, stats) = run(&GenerateOptions {
        clusters: 2,
        ..opts(3_000)
    });
    let text = String::from_utf8_lossy(&bytes);
    let mut groups = std::collections::BTreeSet::new();
    let mut last = 0;
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}"));
        groups.insert(s(&v, "/logGroup").to_owned());
        assert!(s(&v, "/logStream").starts_with("kube-apiserver-audit-"));
        assert_eq!(
            s(&v, "/logStream").len(),
            "kube-apiserver-audit-".len() + 32
        );
        let ts = v.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
        assert!(ts >= last);
        last = ts;
        let event: Value =
            serde_json::from_str(s(&v, "/message")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s(&event, "/kind"), "Event");
        assert_eq!(micros(s(&event, "/stageTimestamp")) / 1000, ts);
    }
    let expected: std::collections::BTreeSet<String> =
        ["/aws/eks/prod-1/cluster", "/aws/eks/prod-2/cluster"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
    assert_eq!(groups, expected);
    assert_eq!(stats.events, 3_000);
    assert_eq!(events_of(&bytes).len(), 3_000);
}

#[test]
fn compressed_files_hold_the_plain_bytes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = opts(3_000);
    let (plain, _) = run(&o);
    for (name, kind) in [("a.jsonl", 0), ("b.jsonl.gz", 1), ("c.JSONL.ZST", 2)] {
        let path = dir.path().join(name);
        let stats = generate_to_path(&o, &path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(stats.bytes, plain.len() as u64);
        let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{e}"));
        let mut back = Vec::new();
        if kind == 1 {
            assert!(raw.len() < plain.len());
            flate2::read::MultiGzDecoder::new(&raw[..])
                .read_to_end(&mut back)
                .unwrap_or_else(|e| panic!("{e}"));
        } else if kind == 2 {
            assert!(raw.len() < plain.len());
            back = zstd::decode_all(&raw[..]).unwrap_or_else(|e| panic!("{e}"));
        } else {
            back = raw;
        }
        assert!(back == plain, "{name} differs");
    }
    let missing = dir.path().join("no/such/dir/x.jsonl");
    assert!(matches!(
        generate_to_path(&o, &missing),
        Err(Error::Output { .. })
    ));
}

#[test]
fn bad_options_are_usage_errors() {
    let bad = [
        GenerateOptions {
            events: 0,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            days: 0,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            days: MAX_DAYS + 1,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            clusters: 0,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            deny_rate: -0.1,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            deny_rate: 1.5,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            deny_rate: f64::NAN,
            ..GenerateOptions::default()
        },
        GenerateOptions {
            start: NaiveDate::from_ymd_opt(1969, 12, 31).unwrap_or_default(),
            ..GenerateOptions::default()
        },
    ];
    for o in bad {
        let mut out = Vec::new();
        match generate(&o, &mut out) {
            Err(Error::Usage(message)) => assert!(message.starts_with("--"), "{message}"),
            other => panic!("{o:?} gave {other:?}"),
        }
        assert!(out.is_empty());
    }
    let d = GenerateOptions::default();
    assert_eq!((d.events, d.days, d.seed, d.clusters), (10_000, 2, 1, 1));
    assert_eq!(
        d.start,
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default()
    );
    assert!((d.deny_rate - 0.01).abs() < 1e-12);
}
