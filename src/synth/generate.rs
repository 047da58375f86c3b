//! Synthetic Kubernetes audit logs: `audit.k8s.io/v1` events as kube-apiserver writes them, one
//! JSON object per line, optionally wrapped as EKS CloudWatch exports them.
//!
//! The data is built for the "Kubernetes Denied Service Account Request" rule: service-account
//! traffic that is allowed, a background of denials spread over broken RBAC, humans, anonymous
//! callers and nodes, look-alikes the rule must not match, and every day a stolen-token probe
//! that it must match. `src/generate.md` describes the model for users.
//!
//! Everything random comes from one `ChaCha8Rng` seeded from [`GenerateOptions::seed`], drawn in
//! a fixed order while *planning* requests; *rendering* a planned request is a pure function of
//! it. The hot loop writes bytes by hand into reused buffers and does not allocate.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{Datelike, NaiveDate, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::error::{Error, Result};

/// What to generate. `Default` gives 10 000 events over two days from 2026-01-05, seed 1, one
/// cluster, 1 % denials.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// Exact number of audit events (not lines, not requests) to write; at least 1.
    pub events: u64,
    /// Days covered, starting at `start` 00:00 UTC; 1 to 3660.
    pub days: u32,
    /// Seed: the same options and seed always give the same bytes.
    pub seed: u64,
    /// First day (UTC).
    pub start: NaiveDate,
    /// 1 writes raw events; more wraps each line as an EKS CloudWatch export of `prod-1`, `prod-2`, ...
    pub clusters: u32,
    /// Fraction of background responses that are authorization denials (0 to 1); the daily
    /// attack bursts and look-alikes come on top.
    pub deny_rate: f64,
}

impl Default for GenerateOptions {
    fn default() -> Self {
        Self {
            events: 10_000,
            days: 2,
            seed: 1,
            start: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap_or_default(),
            clusters: 1,
            deny_rate: 0.01,
        }
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct GenerateStats {
    /// Audit events written (equals [`GenerateOptions::events`]).
    pub events: u64,
    /// Uncompressed bytes written.
    pub bytes: u64,
    /// Events the "Kubernetes Denied Service Account Request" rule matches: `user.username`
    /// starts with `system:serviceaccount:` and the `authorization.k8s.io/decision` annotation
    /// is exactly `forbid`.
    pub sa_denials: u64,
    /// Lines written (one event per line, raw or wrapped).
    pub lines: u64,
}

/// Most days a run may cover (ten years).
const MAX_DAYS: u32 = 3660;

fn validate(opts: &GenerateOptions) -> Result<()> {
    if opts.events == 0 {
        return Err(Error::Usage("--events must be at least 1".into()));
    }
    if opts.days == 0 || opts.days > MAX_DAYS {
        return Err(Error::Usage(format!(
            "--days must be between 1 and {MAX_DAYS}, got {}",
            opts.days
        )));
    }
    if opts.clusters == 0 {
        return Err(Error::Usage("--clusters must be at least 1".into()));
    }
    if !(0.0..=1.0).contains(&opts.deny_rate) {
        return Err(Error::Usage(format!(
            "--deny-rate must be a fraction between 0 and 1 (0.01 is 1 %), got {}",
            opts.deny_rate
        )));
    }
    let end = opts
        .start
        .checked_add_days(chrono::Days::new(u64::from(opts.days) + 1));
    if opts.start.year() < 1970 || end.is_none_or(|d| d.year() > 9999) {
        return Err(Error::Usage(format!(
            "--start must be a date from 1970-01-01 on, and start + days must end before the year 10000, got {}",
            opts.start
        )));
    }
    Ok(())
}

/// Writes `opts.events` audit events as JSON lines to `out` and returns what was written.
/// Write errors come back as [`Error::Io`].
pub fn generate(opts: &GenerateOptions, out: &mut dyn Write) -> Result<GenerateStats> {
    validate(opts)?;
    let mut generator = Generator::new(opts);
    generator.run(out)
}

/// Like [`generate`], to a file: `-` is stdout, a name ending in `.gz` is gzip-compressed (fast
/// level), `.zst` zstd-compressed (level 3), anything else plain. An existing file is replaced.
pub fn generate_to_path(opts: &GenerateOptions, path: &Path) -> Result<GenerateStats> {
    validate(opts)?;
    let to_output = |e: Error| match e {
        Error::Io(source) => Error::Output {
            path: path.to_path_buf(),
            source,
        },
        other => other,
    };
    let io_output = |source: std::io::Error| Error::Output {
        path: path.to_path_buf(),
        source,
    };
    if path.as_os_str() == "-" {
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let stats = generate(opts, &mut lock).map_err(to_output)?;
        lock.flush().map_err(io_output)?;
        return Ok(stats);
    }
    let file = File::create(path).map_err(io_output)?;
    let mut sink = BufWriter::with_capacity(1 << 20, file);
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let stats = match ext.as_str() {
        "gz" => {
            let mut enc = flate2::write::GzEncoder::new(&mut sink, flate2::Compression::fast());
            let stats = generate(opts, &mut enc).map_err(to_output)?;
            enc.finish().map_err(io_output)?;
            stats
        }
        "zst" => {
            let mut enc = zstd::Encoder::new(&mut sink, 3).map_err(io_output)?;
            let stats = generate(opts, &mut enc).map_err(to_output)?;
            enc.finish().map_err(io_output)?;
            stats
        }
        _ => generate(opts, &mut sink).map_err(to_output)?,
    };
    sink.flush().map_err(io_output)?;
    Ok(stats)
}

// ---------------------------------------------------------------------------------------------
// Randomness and byte writers
// ---------------------------------------------------------------------------------------------

/// The one random stream. Ranges are mapped by hand (multiply-shift) so the bytes depend only on
/// the ChaCha8 stream, not on how a `rand` version samples distributions.
struct Dice(ChaCha8Rng);

impl Dice {
    fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Index into a cumulative weight table (last entry = total).
    fn weighted(&mut self, cum: &[u32]) -> usize {
        let total = cum.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let x = self.below(u64::from(total)) as u32;
        cum.partition_point(|&c| c <= x)
    }

    fn uuid(&mut self) -> u128 {
        (u128::from(self.next()) << 64) | u128::from(self.next())
    }
}

/// Cumulative weights of a list.
fn cumulative(weights: impl IntoIterator<Item = u32>) -> Vec<u32> {
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
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn push_u64(b: &mut Vec<u8>, mut n: u64) {
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
fn push_padded(b: &mut Vec<u8>, mut n: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    for slot in tmp[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    b.extend_from_slice(&tmp[..width]);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The low `digits` nibbles of `v` as lower-case hex.
fn push_hex(b: &mut Vec<u8>, v: u128, digits: u32) {
    for i in (0..digits).rev() {
        b.push(HEX[((v >> (i * 4)) & 0xf) as usize]);
    }
}

/// A UUID-v4-looking string (version and variant bits forced).
fn push_uuid(b: &mut Vec<u8>, v: u128) {
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

fn uuid_string(v: u128) -> String {
    let mut b = Vec::with_capacity(36);
    push_uuid(&mut b, v);
    String::from_utf8_lossy(&b).into_owned()
}

/// Escapes `s` as the inside of a JSON string. `html` also escapes `<`, `>` and `&` as Go's
/// encoder (and so kube-apiserver) does: `\u0026`.
fn escape_into(b: &mut Vec<u8>, s: &[u8], html: bool) {
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
fn json_str(s: &str) -> String {
    let mut b = Vec::with_capacity(s.len() + 2);
    b.push(b'"');
    escape_into(&mut b, s.as_bytes(), true);
    b.push(b'"');
    String::from_utf8_lossy(&b).into_owned()
}

/// The inside of a JSON string (no quotes), Go-style escaped.
fn json_inner(s: &str) -> String {
    let mut b = Vec::with_capacity(s.len());
    escape_into(&mut b, s.as_bytes(), true);
    String::from_utf8_lossy(&b).into_owned()
}

const SEC_US: i64 = 1_000_000;

/// A drawn count as a time offset (draws are far below `i64::MAX`).
fn span(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
const DAY_US: i64 = 86_400 * SEC_US;

/// Formats microsecond timestamps; dates come from a table built once.
struct Clock {
    start_us: i64,
    dates: Vec<[u8; 10]>,
}

impl Clock {
    fn new(start: NaiveDate, days: u32) -> Self {
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
    fn push(&self, b: &mut Vec<u8>, us: i64, micros: bool) {
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
enum Verb {
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
    fn as_str(self) -> &'static str {
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
    fn named(self) -> bool {
        matches!(self, Verb::Get | Verb::Update | Verb::Patch | Verb::Delete)
    }

    fn writes(self) -> bool {
        matches!(self, Verb::Create | Verb::Update | Verb::Patch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    RequestReceived,
    ResponseStarted,
    ResponseComplete,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Metadata,
    Request,
    RequestResponse,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

/// How a request ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
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
    fn code(self) -> u64 {
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

    fn success(self) -> bool {
        matches!(self, Outcome::Ok | Outcome::Created | Outcome::Upgraded)
    }

    fn denied(self) -> bool {
        matches!(self, Outcome::Forbid | Outcome::ForbidOddCase)
    }
}

const NAMESPACES: &[&str] = &[
    "kube-system",     // 0
    "default",         // 1
    "kube-public",     // 2
    "kube-node-lease", // 3
    "monitoring",      // 4
    "logging",         // 5
    "ingress-nginx",   // 6
    "cert-manager",    // 7
    "argocd",          // 8
    "payments",        // 9
    "checkout",        // 10
    "catalog",         // 11
    "search",          // 12
    "orders",          // 13
    "data-pipeline",   // 14
    "ml-training",     // 15
    "istio-system",    // 16
    "karpenter",       // 17
    "external-dns",    // 18
    "velero",          // 19
    "team-a",          // 20
    "team-b",          // 21
    "staging",         // 22
    "auth",            // 23
];
const NS_KUBE_SYSTEM: u8 = 0;
const NS_DEFAULT: u8 = 1;
const NS_NODE_LEASE: u8 = 3;
const NS_MONITORING: u8 = 4;
const NS_LOGGING: u8 = 5;
const NS_INGRESS: u8 = 6;
const NS_CERT_MANAGER: u8 = 7;
const NS_ARGOCD: u8 = 8;
const NS_PAYMENTS: u8 = 9;
const NS_CHECKOUT: u8 = 10;
const NS_ORDERS: u8 = 13;
const NS_DATA: u8 = 14;
const NS_ML: u8 = 15;
const NS_ISTIO: u8 = 16;
const NS_KARPENTER: u8 = 17;
const NS_EXTERNAL_DNS: u8 = 18;
const NS_VELERO: u8 = 19;
const NS_TEAM_A: u8 = 20;
const NS_TEAM_B: u8 = 21;
/// Namespaces where application workloads run (targets of "any namespace" requests).
const APP_NAMESPACES: &[u8] = &[1, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 20, 21, 22, 23];
/// "No namespace" in a request.
const NO_NS: u8 = u8::MAX;

struct ResDef {
    plural: &'static str,
    group: &'static str,
    version: &'static str,
    namespaced: bool,
    kind: &'static str,
}

const fn res(
    plural: &'static str,
    group: &'static str,
    version: &'static str,
    namespaced: bool,
    kind: &'static str,
) -> ResDef {
    ResDef {
        plural,
        group,
        version,
        namespaced,
        kind,
    }
}

const RESOURCES: &[ResDef] = &[
    res("pods", "", "v1", true, "Pod"),
    res("services", "", "v1", true, "Service"),
    res("endpoints", "", "v1", true, "Endpoints"),
    res("configmaps", "", "v1", true, "ConfigMap"),
    res("secrets", "", "v1", true, "Secret"),
    res("serviceaccounts", "", "v1", true, "ServiceAccount"),
    res("events", "", "v1", true, "Event"),
    res("namespaces", "", "v1", false, "Namespace"),
    res("nodes", "", "v1", false, "Node"),
    res(
        "persistentvolumeclaims",
        "",
        "v1",
        true,
        "PersistentVolumeClaim",
    ),
    res("persistentvolumes", "", "v1", false, "PersistentVolume"),
    res("deployments", "apps", "v1", true, "Deployment"),
    res("replicasets", "apps", "v1", true, "ReplicaSet"),
    res("statefulsets", "apps", "v1", true, "StatefulSet"),
    res("daemonsets", "apps", "v1", true, "DaemonSet"),
    res("jobs", "batch", "v1", true, "Job"),
    res("cronjobs", "batch", "v1", true, "CronJob"),
    res("leases", "coordination.k8s.io", "v1", true, "Lease"),
    res("roles", "rbac.authorization.k8s.io", "v1", true, "Role"),
    res(
        "rolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        true,
        "RoleBinding",
    ),
    res(
        "clusterroles",
        "rbac.authorization.k8s.io",
        "v1",
        false,
        "ClusterRole",
    ),
    res(
        "clusterrolebindings",
        "rbac.authorization.k8s.io",
        "v1",
        false,
        "ClusterRoleBinding",
    ),
    res("ingresses", "networking.k8s.io", "v1", true, "Ingress"),
    res(
        "networkpolicies",
        "networking.k8s.io",
        "v1",
        true,
        "NetworkPolicy",
    ),
    res(
        "endpointslices",
        "discovery.k8s.io",
        "v1",
        true,
        "EndpointSlice",
    ),
    res(
        "horizontalpodautoscalers",
        "autoscaling",
        "v2",
        true,
        "HorizontalPodAutoscaler",
    ),
    res(
        "selfsubjectaccessreviews",
        "authorization.k8s.io",
        "v1",
        false,
        "SelfSubjectAccessReview",
    ),
    res(
        "selfsubjectrulesreviews",
        "authorization.k8s.io",
        "v1",
        false,
        "SelfSubjectRulesReview",
    ),
    res(
        "tokenreviews",
        "authentication.k8s.io",
        "v1",
        false,
        "TokenReview",
    ),
    res(
        "customresourcedefinitions",
        "apiextensions.k8s.io",
        "v1",
        false,
        "CustomResourceDefinition",
    ),
    res(
        "certificatesigningrequests",
        "certificates.k8s.io",
        "v1",
        false,
        "CertificateSigningRequest",
    ),
    res(
        "storageclasses",
        "storage.k8s.io",
        "v1",
        false,
        "StorageClass",
    ),
    res(
        "validatingwebhookconfigurations",
        "admissionregistration.k8s.io",
        "v1",
        false,
        "ValidatingWebhookConfiguration",
    ),
    res(
        "applications",
        "argoproj.io",
        "v1alpha1",
        true,
        "Application",
    ),
    res("certificates", "cert-manager.io", "v1", true, "Certificate"),
    res(
        "priorityclasses",
        "scheduling.k8s.io",
        "v1",
        false,
        "PriorityClass",
    ),
    res("csinodes", "storage.k8s.io", "v1", false, "CSINode"),
    res(
        "flowschemas",
        "flowcontrol.apiserver.k8s.io",
        "v1",
        false,
        "FlowSchema",
    ),
    res(
        "verticalpodautoscalers",
        "autoscaling.k8s.io",
        "v1",
        true,
        "VerticalPodAutoscaler",
    ),
    res(
        "poddisruptionbudgets",
        "policy",
        "v1",
        true,
        "PodDisruptionBudget",
    ),
    res(
        "volumeattachments",
        "storage.k8s.io",
        "v1",
        false,
        "VolumeAttachment",
    ),
];
const R_PODS: u8 = 0;
const R_SERVICES: u8 = 1;
const R_ENDPOINTS: u8 = 2;
const R_CONFIGMAPS: u8 = 3;
const R_SECRETS: u8 = 4;
const R_SERVICEACCOUNTS: u8 = 5;
const R_EVENTS: u8 = 6;
const R_NAMESPACES: u8 = 7;
const R_NODES: u8 = 8;
const R_PVCS: u8 = 9;
const R_PVS: u8 = 10;
const R_DEPLOYMENTS: u8 = 11;
const R_REPLICASETS: u8 = 12;
const R_STATEFULSETS: u8 = 13;
const R_DAEMONSETS: u8 = 14;
const R_JOBS: u8 = 15;
const R_CRONJOBS: u8 = 16;
const R_LEASES: u8 = 17;
const R_ROLES: u8 = 18;
const R_ROLEBINDINGS: u8 = 19;
const R_CLUSTERROLES: u8 = 20;
const R_CLUSTERROLEBINDINGS: u8 = 21;
const R_INGRESSES: u8 = 22;
const R_NETPOLS: u8 = 23;
const R_ENDPOINTSLICES: u8 = 24;
const R_HPAS: u8 = 25;
const R_SSAR: u8 = 26;
const R_SSRR: u8 = 27;
const R_TOKENREVIEWS: u8 = 28;
const R_CRDS: u8 = 29;
const R_CSRS: u8 = 30;
const R_STORAGECLASSES: u8 = 31;
const R_WEBHOOKS: u8 = 32;
const R_APPLICATIONS: u8 = 33;
const R_CERTIFICATES: u8 = 34;
const R_PRIORITYCLASSES: u8 = 35;
const R_CSINODES: u8 = 36;
const R_FLOWSCHEMAS: u8 = 37;
const R_VPAS: u8 = 38;
const R_PDBS: u8 = 39;
const R_VOLUMEATTACHMENTS: u8 = 40;
/// A non-resource request (`/healthz`, ...): no `objectRef`.
const NON_RESOURCE: u8 = u8::MAX;

const NON_RESOURCE_PATHS: &[&str] = &[
    "/healthz",
    "/livez",
    "/readyz",
    "/metrics",
    "/version",
    "/openapi/v2",
    "/api",
    "/apis",
];
const P_HEALTHZ: u8 = 0;
const P_LIVEZ: u8 = 1;
const P_READYZ: u8 = 2;
const P_METRICS: u8 = 3;
const P_VERSION: u8 = 4;
const P_OPENAPI: u8 = 5;
const P_API: u8 = 6;
const P_APIS: u8 = 7;

/// Workload names; pools of object names are derived from them.
const APPS: &[&str] = &[
    "api",
    "web",
    "worker",
    "frontend",
    "checkout-api",
    "payments-api",
    "catalog",
    "search",
    "orders",
    "inventory",
    "cart",
    "notifications",
    "redis",
    "postgres",
    "kafka",
    "grafana",
    "prometheus",
    "fluent-bit",
    "ingress-nginx-controller",
    "cert-manager",
    "argocd-server",
    "metrics-server",
    "coredns",
    "aws-node",
    "kube-proxy",
    "cluster-autoscaler",
    "karpenter",
    "velero",
    "istiod",
    "ebs-csi-controller",
    "recommender",
    "batch-export",
];

// ---------------------------------------------------------------------------------------------
// The world: who calls the API server, what they do, with which names
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    ServiceAccount,
    Node,
    ControlPlane,
    Human,
    Anonymous,
    /// Look-alike user names that never appear in the background mix.
    Odd,
}

/// Where an operation lands.
#[derive(Debug, Clone, Copy)]
enum Scope {
    /// The actor's home namespace.
    Home,
    /// Any namespace.
    Any,
    /// Cluster-wide (lists across namespaces, cluster-scoped objects).
    All,
    /// The actor's own object (a node's Node and Lease, a controller's lease).
    Own,
    /// One namespace.
    Ns(u8),
}

#[derive(Debug, Clone, Copy)]
struct Op {
    verb: Verb,
    res: u8,
    sub: &'static str,
    scope: Scope,
    /// Non-resource path index when `res` is [`NON_RESOURCE`].
    path: u8,
    weight: u32,
}

const fn op(verb: Verb, res: u8, scope: Scope, weight: u32) -> Op {
    Op {
        verb,
        res,
        sub: "",
        scope,
        path: 0,
        weight,
    }
}

const fn op_sub(verb: Verb, res: u8, sub: &'static str, scope: Scope, weight: u32) -> Op {
    Op {
        sub,
        ..op(verb, res, scope, weight)
    }
}

const fn op_path(path: u8, weight: u32) -> Op {
    Op {
        path,
        ..op(Verb::Get, NON_RESOURCE, Scope::All, weight)
    }
}

struct Actor {
    kind: Kind,
    username: String,
    /// The complete `"user":{...}` member, escaped.
    user_json: String,
    /// `{"username":...,"groups":[...]}` for use as `impersonatedUser`.
    imp_json: String,
    home: u8,
    /// The actor's own object name (node name, lease name) and its namespace.
    own_name: String,
    own_ns: u8,
    ip: u16,
    ua: u16,
    reason: u16,
    ops: Vec<Op>,
    op_cum: Vec<u32>,
    weight: u32,
}

/// Per-resource strings built once.
struct ResInfo {
    /// `/api/v1` or `/apis/apps/v1`.
    prefix: String,
    /// `pods`, `deployments.apps`: the form error messages use.
    qualified: String,
    names: Vec<String>,
}

/// A service account whose RBAC is broken: it is refused the same thing again and again.
#[derive(Debug, Clone, Copy)]
struct Broken {
    actor: u32,
    verb: Verb,
    res: u8,
    ns: u8,
}

struct World {
    actors: Vec<Actor>,
    actor_cum: Vec<u32>,
    ips: Vec<String>,
    uas: Vec<String>,
    /// Authorization reasons, escaped for the inside of a JSON string.
    reasons: Vec<String>,
    res: Vec<ResInfo>,
    nodes: Vec<String>,
    broken: Vec<Broken>,
    /// Workload service accounts whose token an attacker may steal.
    stealable: Vec<u32>,
    service_accounts: Vec<u32>,
    humans: Vec<u32>,
    node_actors: Vec<u32>,
    anonymous: u32,
    admin: u32,
    developer: u32,
    plural_lookalike: u32,
    case_lookalike: u32,
    /// Service accounts an admin impersonates.
    impersonated: Vec<u32>,
    attacker_ips: Vec<u16>,
    scanner_ips: Vec<u16>,
    ua_scanner: u16,
    ua_curl: u16,
    ua_python: u16,
    reason_none: u16,
    reason_basic_user: u16,
    reason_public_info: u16,
}

const GENERATED_NAME_CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

fn random_suffix(dice: &mut Dice, n: usize) -> String {
    (0..n)
        .map(|_| char::from(*dice.pick(GENERATED_NAME_CHARS)))
        .collect()
}

fn random_hex(dice: &mut Dice, digits: u32) -> String {
    let mut b = Vec::new();
    push_hex(&mut b, dice.uuid(), digits);
    String::from_utf8_lossy(&b).into_owned()
}

/// Builds the [`World`], interning strings as it goes.
struct Builder<'a> {
    dice: &'a mut Dice,
    ips: Vec<String>,
    uas: Vec<String>,
    reasons: Vec<String>,
    actors: Vec<Actor>,
    nodes: Vec<String>,
}

fn intern(pool: &mut Vec<String>, s: String) -> u16 {
    if let Some(i) = pool.iter().position(|p| *p == s) {
        return i as u16;
    }
    pool.push(s);
    (pool.len() - 1) as u16
}

const VERSION_SUFFIX: &str = "/v1.29.3 (linux/amd64) kubernetes/6813625";

impl Builder<'_> {
    fn ip(&mut self, s: String) -> u16 {
        intern(&mut self.ips, s)
    }

    fn ua(&mut self, s: &str) -> u16 {
        intern(&mut self.uas, json_inner(s))
    }

    fn reason(&mut self, s: &str) -> u16 {
        intern(&mut self.reasons, json_inner(s))
    }

    fn pod_ip(&mut self) -> u16 {
        let s = format!(
            "10.244.{}.{}",
            self.dice.below(16),
            self.dice.between(2, 254)
        );
        self.ip(s)
    }

    fn uid(&mut self) -> String {
        uuid_string(self.dice.uuid())
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        kind: Kind,
        username: &str,
        user_json: String,
        groups_json: &str,
        home: u8,
        ip: u16,
        ua: u16,
        reason: u16,
        ops: Vec<Op>,
        weight: u32,
    ) -> u32 {
        let op_cum = cumulative(ops.iter().map(|o| o.weight));
        self.actors.push(Actor {
            kind,
            username: username.to_owned(),
            user_json,
            imp_json: format!(
                r#"{{"username":{},"groups":{groups_json}}}"#,
                json_str(username)
            ),
            home,
            own_name: String::new(),
            own_ns: home,
            ip,
            ua,
            reason,
            ops,
            op_cum,
            weight,
        });
        (self.actors.len() - 1) as u32
    }

    /// A service account; with `pod` it holds a pod-bound token (the `extra` claims).
    #[allow(clippy::too_many_arguments)]
    fn service_account(
        &mut self,
        ns: u8,
        sa: &str,
        pod: Option<(&str, usize)>,
        ua: u16,
        reason: u16,
        ops: Vec<Op>,
        weight: u32,
    ) -> u32 {
        let nsname = NAMESPACES[usize::from(ns)];
        let username = format!("system:serviceaccount:{nsname}:{sa}");
        let groups = format!(
            r#"["system:serviceaccounts","system:serviceaccounts:{nsname}","system:authenticated"]"#
        );
        let uid = self.uid();
        let credential = self.uid();
        let (extra, ip) = if let Some((pod_name, node)) = pod {
            {
                let pod_uid = self.uid();
                let node_name = self.nodes[node % self.nodes.len()].clone();
                let ip = self.pod_ip();
                (
                    format!(
                        r#","extra":{{"authentication.kubernetes.io/credential-id":["JTI={credential}"],"authentication.kubernetes.io/node-name":["{node_name}"],"authentication.kubernetes.io/pod-name":["{pod_name}"],"authentication.kubernetes.io/pod-uid":["{pod_uid}"]}}"#
                    ),
                    ip,
                )
            }
        } else {
            {
                let s = format!(
                    "172.16.{}.{}",
                    32 + self.dice.below(8),
                    self.dice.between(2, 254)
                );
                let ip = self.ip(s);
                (
                    format!(
                        r#","extra":{{"authentication.kubernetes.io/credential-id":["JTI={credential}"]}}"#
                    ),
                    ip,
                )
            }
        };
        let user_json = format!(
            r#""user":{{"username":{},"uid":"{uid}","groups":{groups}{extra}}}"#,
            json_str(&username)
        );
        self.push(
            Kind::ServiceAccount,
            &username,
            user_json,
            &groups,
            ns,
            ip,
            ua,
            reason,
            ops,
            weight,
        )
    }

    /// A workload service account with `pods` replicas, each its own actor (own pod, node, IP).
    #[allow(clippy::too_many_arguments)]
    fn workload(
        &mut self,
        ns: u8,
        sa: &str,
        app: &str,
        pods: usize,
        ua: &str,
        scope: RbacScope,
        ops: &[Op],
        weight: u32,
    ) -> Vec<u32> {
        let nsname = NAMESPACES[usize::from(ns)];
        let reason = match scope {
            RbacScope::Cluster => format!(
                r#"RBAC: allowed by ClusterRoleBinding "{sa}" of ClusterRole "{sa}" to ServiceAccount "{sa}/{nsname}""#
            ),
            RbacScope::Namespace => format!(
                r#"RBAC: allowed by RoleBinding "{sa}/{nsname}" of Role "{sa}" to ServiceAccount "{sa}/{nsname}""#
            ),
        };
        let reason = self.reason(&reason);
        let ua = self.ua(ua);
        let rs = random_suffix(self.dice, 10);
        let mut ids = Vec::with_capacity(pods);
        for i in 0..pods {
            let pod_name = format!("{app}-{rs}-{}", random_suffix(self.dice, 5));
            let node = self.dice.index(self.nodes.len()) + i;
            let per_pod = (weight / pods as u32).max(1);
            ids.push(self.service_account(
                ns,
                sa,
                Some((&pod_name, node)),
                ua,
                reason,
                ops.to_vec(),
                per_pod,
            ));
        }
        ids
    }
}

#[derive(Debug, Clone, Copy)]
enum RbacScope {
    Cluster,
    Namespace,
}

/// Kind shares of background requests, per 10 000.
fn kind_share(kind: Kind) -> u32 {
    match kind {
        Kind::ServiceAccount => 6_000,
        Kind::Node => 2_200,
        Kind::ControlPlane => 1_250,
        Kind::Human => 350,
        Kind::Anonymous => 200,
        Kind::Odd => 0,
    }
}

/// Controllers of kube-controller-manager, each with its own service-account credentials.
fn controllers() -> Vec<(&'static str, Vec<Op>)> {
    use Scope::{All, Any};
    use Verb::{Create, Delete, DeleteCollection, Get, List, Patch, Update, Watch};
    vec![
        (
            "replicaset-controller",
            vec![
                op(Watch, R_PODS, All, 6),
                op(Watch, R_REPLICASETS, All, 4),
                op(List, R_PODS, All, 1),
                op(Create, R_PODS, Any, 3),
                op(Delete, R_PODS, Any, 2),
                op_sub(Update, R_REPLICASETS, "status", Any, 4),
                op(Create, R_EVENTS, Any, 2),
            ],
        ),
        (
            "deployment-controller",
            vec![
                op(Watch, R_DEPLOYMENTS, All, 4),
                op(Watch, R_REPLICASETS, All, 3),
                op_sub(Update, R_DEPLOYMENTS, "status", Any, 5),
                op(Create, R_REPLICASETS, Any, 1),
                op(Patch, R_REPLICASETS, Any, 2),
                op(Create, R_EVENTS, Any, 1),
            ],
        ),
        (
            "endpointslice-controller",
            vec![
                op(Watch, R_ENDPOINTSLICES, All, 4),
                op(Watch, R_SERVICES, All, 3),
                op(Update, R_ENDPOINTSLICES, Any, 8),
                op(Create, R_ENDPOINTSLICES, Any, 1),
            ],
        ),
        (
            "endpoint-controller",
            vec![
                op(Watch, R_ENDPOINTS, All, 3),
                op(Update, R_ENDPOINTS, Any, 6),
            ],
        ),
        (
            "generic-garbage-collector",
            vec![
                op(Watch, R_REPLICASETS, All, 2),
                op(Watch, R_PODS, All, 2),
                op(Watch, R_JOBS, All, 1),
                op(List, R_CONFIGMAPS, All, 1),
                op(Get, R_REPLICASETS, Any, 2),
                op(Delete, R_REPLICASETS, Any, 1),
                op(Delete, R_PODS, Any, 1),
            ],
        ),
        (
            "namespace-controller",
            vec![
                op(Watch, R_NAMESPACES, All, 2),
                op(Get, R_NAMESPACES, All, 1),
                op(DeleteCollection, R_CONFIGMAPS, Any, 1),
                op(DeleteCollection, R_EVENTS, Any, 1),
            ],
        ),
        (
            "job-controller",
            vec![
                op(Watch, R_JOBS, All, 2),
                op_sub(Update, R_JOBS, "status", Any, 4),
                op(Create, R_PODS, Any, 2),
                op(Patch, R_PODS, Any, 1),
            ],
        ),
        (
            "cronjob-controller",
            vec![
                op(List, R_CRONJOBS, All, 2),
                op(Create, R_JOBS, Any, 1),
                op_sub(Update, R_CRONJOBS, "status", Any, 2),
                op(Delete, R_JOBS, Any, 1),
            ],
        ),
        (
            "daemon-set-controller",
            vec![
                op(Watch, R_DAEMONSETS, All, 2),
                op_sub(Update, R_DAEMONSETS, "status", Any, 3),
                op(Get, R_DAEMONSETS, Any, 1),
            ],
        ),
        (
            "statefulset-controller",
            vec![
                op(Watch, R_STATEFULSETS, All, 2),
                op_sub(Update, R_STATEFULSETS, "status", Any, 2),
                op(Get, R_PVCS, Any, 1),
            ],
        ),
        (
            "node-controller",
            vec![
                op(Watch, R_NODES, All, 3),
                op(Get, R_NODES, All, 2),
                op(Patch, R_NODES, All, 1),
                op(List, R_PODS, All, 1),
            ],
        ),
        (
            "horizontal-pod-autoscaler",
            vec![
                op_sub(Get, R_DEPLOYMENTS, "scale", Any, 4),
                op_sub(Update, R_DEPLOYMENTS, "scale", Any, 1),
                op_sub(Update, R_HPAS, "status", Any, 3),
                op(Watch, R_HPAS, All, 1),
            ],
        ),
        (
            "resourcequota-controller",
            vec![op(Watch, R_PVCS, All, 1), op(List, R_SERVICES, All, 1)],
        ),
        (
            "service-account-controller",
            vec![
                op(Watch, R_SERVICEACCOUNTS, All, 2),
                op(Create, R_SERVICEACCOUNTS, Any, 1),
                op(Create, R_CONFIGMAPS, Any, 1),
            ],
        ),
        (
            "ttl-after-finished-controller",
            vec![op(Watch, R_JOBS, All, 1), op(Delete, R_JOBS, Any, 1)],
        ),
    ]
}

/// A workload's service account: its pods (0 = one per node, a DaemonSet), user agent, RBAC,
/// operations and relative weight; `steal` marks tokens an attacker may take.
struct WorkloadDef {
    ns: u8,
    sa: &'static str,
    app: &'static str,
    pods: usize,
    ua: &'static str,
    scope: RbacScope,
    weight: u32,
    steal: bool,
    ops: &'static [Op],
}

#[allow(clippy::too_many_arguments)]
const fn wl(
    ns: u8,
    sa: &'static str,
    app: &'static str,
    pods: usize,
    ua: &'static str,
    scope: RbacScope,
    weight: u32,
    steal: bool,
    ops: &'static [Op],
) -> WorkloadDef {
    WorkloadDef {
        ns,
        sa,
        app,
        pods,
        ua,
        scope,
        weight,
        steal,
        ops,
    }
}

const GO_CLIENT: &str = "Go-http-client/2.0";
const PYTHON_CLIENT: &str = "OpenAPI-Generator/28.1.0/python";

#[rustfmt::skip]
const WORKLOADS: &[WorkloadDef] = {
    use RbacScope::{Cluster, Namespace};
    use Scope::{All, Home, Ns, Any};
    use Verb::{Create, Delete, Get, List, Patch, Update, Watch};
    &[
        wl(NS_KUBE_SYSTEM, "coredns", "coredns", 2, "coredns/v1.11.1 (linux/amd64) kubernetes/ae2bbc2", Cluster, 60, false,
            &[op(Watch, R_ENDPOINTSLICES, All, 4), op(Watch, R_SERVICES, All, 3), op(Watch, R_NAMESPACES, All, 2), op(List, R_SERVICES, All, 1)]),
        wl(NS_KUBE_SYSTEM, "aws-node", "aws-node", 0, "aws-node/v1.16.0 (linux/amd64) kubernetes/$Format", Cluster, 70, false,
            &[op(Watch, R_PODS, All, 2), op(Get, R_NODES, All, 3), op(Patch, R_PODS, Any, 1), op(List, R_NODES, All, 1)]),
        wl(NS_KUBE_SYSTEM, "kube-proxy", "kube-proxy", 0, "kube-proxy/v1.29.3 (linux/amd64) kubernetes/6813625", Cluster, 60, false,
            &[op(Watch, R_SERVICES, All, 3), op(Watch, R_ENDPOINTSLICES, All, 4), op(Watch, R_NODES, All, 1)]),
        wl(NS_KUBE_SYSTEM, "ebs-csi-controller-sa", "ebs-csi-controller", 2, "csi-attacher/v4.5.0 (linux/amd64) kubernetes/$Format", Cluster, 40, false,
            &[op(Watch, R_PVS, All, 2), op(Watch, R_VOLUMEATTACHMENTS, All, 2), op(Get, R_LEASES, Ns(NS_KUBE_SYSTEM), 3),
              op(Update, R_LEASES, Ns(NS_KUBE_SYSTEM), 3), op(Get, R_CSINODES, All, 1)]),
        wl(NS_KUBE_SYSTEM, "cluster-autoscaler", "cluster-autoscaler", 1, "cluster-autoscaler/v1.29.0 (linux/amd64) kubernetes/$Format", Cluster, 45, false,
            &[op(Watch, R_PODS, All, 2), op(Watch, R_NODES, All, 2), op(List, R_PDBS, All, 1), op(Get, R_CONFIGMAPS, Ns(NS_KUBE_SYSTEM), 2),
              op(Update, R_CONFIGMAPS, Ns(NS_KUBE_SYSTEM), 2), op(Update, R_LEASES, Ns(NS_KUBE_SYSTEM), 3), op(Get, R_LEASES, Ns(NS_KUBE_SYSTEM), 3)]),
        wl(NS_KUBE_SYSTEM, "metrics-server", "metrics-server", 1, "metrics-server/v0.7.0 (linux/amd64) kubernetes/$Format", Cluster, 25, false,
            &[op(Watch, R_NODES, All, 1), op(Create, R_TOKENREVIEWS, All, 2), op(Watch, R_CONFIGMAPS, Ns(NS_KUBE_SYSTEM), 1)]),
        wl(NS_MONITORING, "prometheus-k8s", "prometheus-k8s", 2, "Prometheus/2.50.1", Cluster, 60, false,
            &[op(Watch, R_PODS, All, 2), op(Watch, R_SERVICES, All, 2), op(Watch, R_ENDPOINTSLICES, All, 2), op(List, R_ENDPOINTS, All, 1),
              op_path(P_METRICS, 4)]),
        wl(NS_MONITORING, "kube-state-metrics", "kube-state-metrics", 1, "kube-state-metrics/v2.10.1 (linux/amd64) kubernetes/$Format", Cluster, 40, false,
            &[op(List, R_PODS, All, 2), op(Watch, R_DEPLOYMENTS, All, 1), op(Watch, R_NODES, All, 1), op(List, R_JOBS, All, 1),
              op(List, R_SECRETS, All, 1), op(List, R_CONFIGMAPS, All, 1), op(List, R_INGRESSES, All, 1), op(List, R_PVCS, All, 1)]),
        wl(NS_LOGGING, "fluent-bit", "fluent-bit", 0, GO_CLIENT, Cluster, 70, false,
            &[op(Get, R_PODS, Any, 6), op(Get, R_NAMESPACES, All, 1)]),
        wl(NS_INGRESS, "ingress-nginx", "ingress-nginx-controller", 2,
            "nginx-ingress-controller/v1.10.0 (linux/amd64) ingress-nginx/71f78d49f0a496c31d4c19f095469f3f23900f8a", Cluster, 45, false,
            &[op(Watch, R_INGRESSES, All, 2), op(Watch, R_ENDPOINTSLICES, All, 2), op(Watch, R_SECRETS, All, 1), op(Watch, R_CONFIGMAPS, Ns(NS_INGRESS), 1),
              op(Get, R_LEASES, Ns(NS_INGRESS), 3), op(Update, R_LEASES, Ns(NS_INGRESS), 3), op_sub(Update, R_INGRESSES, "status", Any, 1)]),
        wl(NS_CERT_MANAGER, "cert-manager", "cert-manager", 1,
            "cert-manager-controller/v1.14.4 (linux/amd64) cert-manager/f76fab4a66ddc4d4541f5fc68d6f3ab6b3c0a8be", Cluster, 35, false,
            &[op(Watch, R_CERTIFICATES, All, 2), op(Watch, R_SECRETS, All, 1), op(Get, R_LEASES, Ns(NS_KUBE_SYSTEM), 3),
              op(Update, R_LEASES, Ns(NS_KUBE_SYSTEM), 3), op_sub(Update, R_CERTIFICATES, "status", Any, 1), op(Update, R_SECRETS, Any, 1)]),
        wl(NS_ARGOCD, "argocd-application-controller", "argocd-application-controller", 1,
            "argocd-application-controller/v2.10.4 (linux/amd64) kubernetes/$Format", Cluster, 60, false,
            &[op(Watch, R_APPLICATIONS, Ns(NS_ARGOCD), 2), op(List, R_DEPLOYMENTS, All, 2), op(List, R_SERVICES, All, 1), op(Get, R_DEPLOYMENTS, Any, 3),
              op(Patch, R_DEPLOYMENTS, Any, 1), op(Patch, R_APPLICATIONS, Ns(NS_ARGOCD), 3), op(Get, R_CONFIGMAPS, Any, 1)]),
        wl(NS_ARGOCD, "argocd-server", "argocd-server", 1, "argocd-server/v2.10.4 (linux/amd64) kubernetes/$Format", Cluster, 25, true,
            &[op(Get, R_APPLICATIONS, Ns(NS_ARGOCD), 3), op(List, R_APPLICATIONS, Ns(NS_ARGOCD), 1), op(Get, R_SECRETS, Ns(NS_ARGOCD), 1),
              op(Get, R_CONFIGMAPS, Ns(NS_ARGOCD), 1)]),
        wl(NS_KARPENTER, "karpenter", "karpenter", 1, "karpenter/v0.35.0", Cluster, 40, false,
            &[op(Watch, R_NODES, All, 2), op(Watch, R_PODS, All, 2), op(Get, R_LEASES, Ns(NS_KARPENTER), 3), op(Update, R_LEASES, Ns(NS_KARPENTER), 3),
              op(Patch, R_NODES, All, 1)]),
        wl(NS_EXTERNAL_DNS, "external-dns", "external-dns", 1, "external-dns/v0.14.0", Cluster, 12, false,
            &[op(List, R_SERVICES, All, 2), op(List, R_INGRESSES, All, 2), op(List, R_NODES, All, 1), op(List, R_PODS, All, 1)]),
        wl(NS_VELERO, "velero", "velero", 1, "velero-server/v1.13.0 (linux/amd64) velero/$Format", Cluster, 8, false,
            &[op(List, R_DEPLOYMENTS, All, 1), op(List, R_CONFIGMAPS, All, 1), op(List, R_SECRETS, All, 1), op(List, R_PVCS, All, 1),
              op(List, R_NAMESPACES, All, 1)]),
        wl(NS_ISTIO, "istiod", "istiod", 2, "pilot-discovery/1.21.0", Cluster, 50, false,
            &[op(Watch, R_SERVICES, All, 2), op(Watch, R_ENDPOINTSLICES, All, 2), op(Watch, R_PODS, All, 1), op(Create, R_TOKENREVIEWS, All, 2),
              op(Update, R_CONFIGMAPS, Any, 1), op(Get, R_LEASES, Ns(NS_ISTIO), 2), op(Update, R_LEASES, Ns(NS_ISTIO), 2)]),
        wl(NS_PAYMENTS, "payments-api", "payments-api", 3, GO_CLIENT, Namespace, 40, true,
            &[op(Get, R_CONFIGMAPS, Home, 3), op(Get, R_SECRETS, Home, 2), op(Get, R_LEASES, Home, 3), op(Update, R_LEASES, Home, 3)]),
        wl(NS_CHECKOUT, "default", "checkout-api", 2, "python-requests/2.31.0", Namespace, 10, true,
            &[op(Get, R_CONFIGMAPS, Home, 2), op(List, R_PODS, Home, 1)]),
        wl(NS_ORDERS, "orders", "orders", 2, "kubernetes-client/java/19.0.0", Namespace, 15, true,
            &[op(Get, R_CONFIGMAPS, Home, 2), op(Watch, R_CONFIGMAPS, Home, 1), op(Get, R_SECRETS, Home, 1)]),
        wl(NS_DATA, "airflow-worker", "airflow-worker", 2, PYTHON_CLIENT, Namespace, 30, true,
            &[op(Create, R_PODS, Home, 2), op(Get, R_PODS, Home, 4), op(Watch, R_PODS, Home, 1), op_sub(Get, R_PODS, "log", Home, 2),
              op(Delete, R_PODS, Home, 1), op(Create, R_EVENTS, Home, 1)]),
        wl(NS_ML, "jupyter", "jupyter-hub", 1, PYTHON_CLIENT, Namespace, 12, true,
            &[op(Get, R_PODS, Home, 2), op_sub(Get, R_PODS, "log", Home, 1), op(Create, R_PODS, Home, 1), op(List, R_PODS, Home, 1)]),
        wl(NS_TEAM_A, "ci-runner", "gitlab-runner", 1, "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625", Namespace, 20, true,
            &[op(Get, R_DEPLOYMENTS, Home, 2), op(Patch, R_DEPLOYMENTS, Home, 2), op(Create, R_CONFIGMAPS, Home, 1), op(Update, R_CONFIGMAPS, Home, 1),
              op(List, R_PODS, Home, 2), op_sub(Create, R_PODS, "exec", Home, 1), op_sub(Get, R_DEPLOYMENTS, "scale", Home, 1),
              op_sub(Patch, R_DEPLOYMENTS, "scale", Home, 1), op(Create, R_SSAR, All, 1)]),
        wl(NS_TEAM_B, "deployer", "deployer", 1, "helm/v3.14.2", Namespace, 12, true,
            &[op(List, R_SECRETS, Home, 1), op(Create, R_SECRETS, Home, 1), op(Get, R_DEPLOYMENTS, Home, 1), op(Update, R_DEPLOYMENTS, Home, 1),
              op(Get, R_SERVICES, Home, 1)]),
    ]
};

/// Adds the workload service accounts; returns all of them and the stealable ones.
fn add_workloads(b: &mut Builder<'_>) -> (Vec<u32>, Vec<u32>) {
    let mut all = Vec::new();
    let mut stealable = Vec::new();
    for d in WORKLOADS {
        let pods = if d.pods == 0 { b.nodes.len() } else { d.pods };
        let ids = b.workload(d.ns, d.sa, d.app, pods, d.ua, d.scope, d.ops, d.weight);
        if d.steal {
            stealable.extend_from_slice(&ids);
        }
        all.extend(ids);
    }
    (all, stealable)
}

/// Object names for each resource.
fn name_pool(dice: &mut Dice, r: u8, nodes: &[String]) -> Vec<String> {
    let apps = || APPS.iter().map(|a| (*a).to_owned());
    let pods = |dice: &mut Dice, n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                let app = APPS[i % APPS.len()];
                format!(
                    "{app}-{}-{}",
                    random_suffix(dice, 10),
                    random_suffix(dice, 5)
                )
            })
            .collect()
    };
    match r {
        R_PODS => pods(dice, 64),
        R_REPLICASETS => APPS
            .iter()
            .map(|a| format!("{a}-{}", random_suffix(dice, 10)))
            .collect(),
        R_EVENTS => pods(dice, 48)
            .into_iter()
            .map(|p| format!("{p}.{}", random_hex(dice, 16)))
            .collect(),
        R_NODES | R_CSINODES => nodes.to_vec(),
        R_NAMESPACES => NAMESPACES.iter().map(|n| (*n).to_owned()).collect(),
        R_LEASES => {
            let mut v: Vec<String> = [
                "kube-controller-manager",
                "kube-scheduler",
                "cert-manager-controller",
                "ingress-nginx-leader",
                "karpenter-leader-election",
                "cluster-autoscaler",
                "external-attacher-leader-ebs-csi-aws-com",
                "istio-leader",
                "payments-api-leader",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            v.push(format!("apiserver-{}", random_suffix(dice, 26)));
            v
        }
        R_SECRETS => apps()
            .flat_map(|a| {
                [
                    format!("{a}-tls"),
                    format!("sh.helm.release.v1.{a}.v{}", 1 + a.len() % 7),
                ]
            })
            .collect(),
        R_CONFIGMAPS => {
            let mut v: Vec<String> = [
                "kube-root-ca.crt",
                "aws-auth",
                "coredns",
                "kube-proxy-config",
                "cluster-autoscaler-status",
                "istio-ca-root-cert",
                "extension-apiserver-authentication",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
            v.extend(apps().map(|a| format!("{a}-config")));
            v
        }
        R_CLUSTERROLES | R_CLUSTERROLEBINDINGS => [
            "cluster-admin",
            "admin",
            "edit",
            "view",
            "system:node",
            "system:node-proxier",
            "system:basic-user",
            "system:discovery",
            "system:controller:replicaset-controller",
            "system:controller:node-controller",
            "argocd-application-controller",
            "cert-manager-controller-certificates",
            "karpenter",
            "prometheus-k8s",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        R_SERVICEACCOUNTS => {
            let mut v: Vec<String> = vec!["default".to_owned()];
            v.extend(apps());
            v
        }
        R_FLOWSCHEMAS => [
            "exempt",
            "probes",
            "system-leader-election",
            "endpoint-controller",
            "workload-leader-election",
            "system-node-high",
            "system-nodes",
            "kube-controller-manager",
            "kube-scheduler",
            "kube-system-service-accounts",
            "service-accounts",
            "global-default",
            "catch-all",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        R_PRIORITYCLASSES => [
            "system-cluster-critical",
            "system-node-critical",
            "high-priority",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        R_STORAGECLASSES => ["gp2", "gp3", "efs-sc"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        R_CRDS => [
            "applications.argoproj.io",
            "certificates.cert-manager.io",
            "nodepools.karpenter.sh",
            "virtualservices.networking.istio.io",
            "verticalpodautoscalers.autoscaling.k8s.io",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect(),
        R_PVS | R_VOLUMEATTACHMENTS => (0..16)
            .map(|_| format!("pvc-{}", uuid_string(dice.uuid())))
            .collect(),
        R_PVCS => apps().map(|a| format!("data-{a}-0")).collect(),
        _ => apps().collect(),
    }
}

fn res_info(dice: &mut Dice, nodes: &[String]) -> Vec<ResInfo> {
    RESOURCES
        .iter()
        .enumerate()
        .map(|(i, d)| ResInfo {
            prefix: if d.group.is_empty() {
                format!("/api/{}", d.version)
            } else {
                format!("/apis/{}/{}", d.group, d.version)
            },
            qualified: if d.group.is_empty() {
                d.plural.to_owned()
            } else {
                format!("{}.{}", d.plural, d.group)
            },
            names: name_pool(dice, i as u8, nodes),
        })
        .collect()
}

fn build_world(dice: &mut Dice) -> World {
    use Scope::{All, Any, Home, Ns, Own};
    use Verb::{Create, Delete, Get, List, Patch, Update, Watch};
    let nodes: Vec<String> = (0..9u64)
        .map(|i| {
            format!(
                "ip-10-0-{}-{}.ec2.internal",
                1 + i % 3,
                dice.between(10, 250)
            )
        })
        .collect();
    let res = res_info(dice, &nodes);
    let mut b = Builder {
        dice,
        ips: Vec::new(),
        uas: Vec::new(),
        reasons: Vec::new(),
        actors: Vec::new(),
        nodes: nodes.clone(),
    };
    let reason_none = b.reason("");
    let reason_basic_user = b.reason(
        r#"RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated""#,
    );
    let reason_public_info = b.reason(
        r#"RBAC: allowed by ClusterRoleBinding "system:public-info-viewer" of ClusterRole "system:public-info-viewer" to Group "system:unauthenticated""#,
    );

    // kube-controller-manager's controllers (service-account credentials, no pod).
    let kcm_ip = b.ip("172.16.40.17".to_owned());
    let mut service_accounts = Vec::new();
    for (name, ops) in controllers() {
        let ua = b.ua(&format!(
            "kube-controller-manager{VERSION_SUFFIX}/system:serviceaccount:kube-system:{name}"
        ));
        let reason = b.reason(&format!(
            r#"RBAC: allowed by ClusterRoleBinding "system:controller:{name}" of ClusterRole "system:controller:{name}" to ServiceAccount "{name}/kube-system""#
        ));
        let id = b.service_account(NS_KUBE_SYSTEM, name, None, ua, reason, ops, 40);
        b.actors[id as usize].ip = kcm_ip;
        service_accounts.push(id);
    }
    let (workloads, stealable) = add_workloads(&mut b);
    service_accounts.extend(workloads);

    // Kubelets.
    let kubelet_ua = b.ua(&format!("kubelet{VERSION_SUFFIX}"));
    let mut node_actors = Vec::new();
    for node in &nodes {
        let ip_text = node
            .trim_start_matches("ip-")
            .trim_end_matches(".ec2.internal")
            .replace('-', ".");
        let ip = b.ip(ip_text);
        let username = format!("system:node:{node}");
        let groups = r#"["system:nodes","system:authenticated"]"#;
        let user_json = format!(
            r#""user":{{"username":{},"groups":{groups}}}"#,
            json_str(&username)
        );
        let ops = vec![
            op(Update, R_LEASES, Own, 20),
            op(Get, R_LEASES, Own, 3),
            op(Get, R_NODES, Own, 4),
            op_sub(Patch, R_NODES, "status", Own, 4),
            op(Watch, R_PODS, All, 2),
            op_sub(Patch, R_PODS, "status", Any, 6),
            op(Get, R_PODS, Any, 3),
            op(Watch, R_CONFIGMAPS, Any, 2),
            op(Watch, R_SECRETS, Any, 1),
            op_sub(Create, R_SERVICEACCOUNTS, "token", Any, 4),
            op(Create, R_EVENTS, Any, 3),
            op(Get, R_CSINODES, Own, 1),
            op(Watch, R_SERVICES, All, 1),
            op(Watch, R_NODES, All, 1),
        ];
        let id = b.push(
            Kind::Node,
            &username,
            user_json,
            groups,
            NS_NODE_LEASE,
            ip,
            kubelet_ua,
            reason_none,
            ops,
            10,
        );
        b.actors[id as usize].own_name.clone_from(node);
        b.actors[id as usize].own_ns = NS_NODE_LEASE;
        node_actors.push(id);
    }

    // Control-plane components.
    let cp_ip = b.ip("172.16.40.17".to_owned());
    let kcm_ua = b.ua(&format!(
        "kube-controller-manager{VERSION_SUFFIX}/leader-election"
    ));
    let kcm_reason = b.reason(
        r#"RBAC: allowed by ClusterRoleBinding "system:kube-controller-manager" of ClusterRole "system:kube-controller-manager" to User "system:kube-controller-manager""#,
    );
    let plain_user = |name: &str, groups: &str| -> String {
        format!(
            r#""user":{{"username":{},"groups":{groups}}}"#,
            json_str(name)
        )
    };
    let groups_auth = r#"["system:authenticated"]"#;
    let kcm = b.push(
        Kind::ControlPlane,
        "system:kube-controller-manager",
        plain_user("system:kube-controller-manager", groups_auth),
        groups_auth,
        NS_KUBE_SYSTEM,
        cp_ip,
        kcm_ua,
        kcm_reason,
        vec![
            op(Get, R_LEASES, Own, 10),
            op(Update, R_LEASES, Own, 10),
            op(Watch, R_NODES, All, 1),
            op(List, R_SECRETS, All, 1),
            op(Watch, R_CSRS, All, 1),
            op(Create, R_EVENTS, Any, 1),
        ],
        30,
    );
    "kube-controller-manager".clone_into(&mut b.actors[kcm as usize].own_name);
    b.actors[kcm as usize].own_ns = NS_KUBE_SYSTEM;
    let sched_ua = b.ua(&format!("kube-scheduler{VERSION_SUFFIX}/scheduler"));
    let sched_reason = b.reason(
        r#"RBAC: allowed by ClusterRoleBinding "system:kube-scheduler" of ClusterRole "system:kube-scheduler" to User "system:kube-scheduler""#,
    );
    let sched = b.push(
        Kind::ControlPlane,
        "system:kube-scheduler",
        plain_user("system:kube-scheduler", groups_auth),
        groups_auth,
        NS_KUBE_SYSTEM,
        cp_ip,
        sched_ua,
        sched_reason,
        vec![
            op(Get, R_LEASES, Own, 10),
            op(Update, R_LEASES, Own, 10),
            op_sub(Create, R_PODS, "binding", Any, 4),
            op(Watch, R_PODS, All, 1),
            op(Watch, R_NODES, All, 1),
            op(Watch, R_PVCS, All, 1),
            op(Watch, R_CSINODES, All, 1),
            op(Watch, R_STORAGECLASSES, All, 1),
            op(Create, R_EVENTS, Any, 2),
        ],
        30,
    );
    "kube-scheduler".clone_into(&mut b.actors[sched as usize].own_name);
    b.actors[sched as usize].own_ns = NS_KUBE_SYSTEM;
    let apiserver_ip = b.ip("::1".to_owned());
    let apiserver_ua = b.ua(&format!("kube-apiserver{VERSION_SUFFIX}"));
    let apiserver_uid = b.uid();
    let apiserver_groups = r#"["system:authenticated","system:masters"]"#;
    let apiserver = b.push(
        Kind::ControlPlane, "system:apiserver",
        format!(r#""user":{{"username":"system:apiserver","uid":"{apiserver_uid}","groups":{apiserver_groups}}}"#),
        apiserver_groups, NS_KUBE_SYSTEM, apiserver_ip, apiserver_ua, reason_none,
        vec![
            op(Get, R_LEASES, Own, 6), op(Update, R_LEASES, Own, 6), op(Get, R_ENDPOINTS, Ns(NS_DEFAULT), 2),
            op(Get, R_NAMESPACES, All, 1), op_sub(Update, R_FLOWSCHEMAS, "status", All, 1),
            op(Watch, R_CRDS, All, 1), op(List, R_PRIORITYCLASSES, All, 1), op(Watch, R_WEBHOOKS, All, 1),
        ],
        20,
    );
    let apiserver_lease = res[usize::from(R_LEASES)]
        .names
        .last()
        .cloned()
        .unwrap_or_default();
    b.actors[apiserver as usize].own_name = apiserver_lease;
    b.actors[apiserver as usize].own_ns = NS_KUBE_SYSTEM;

    // Humans.
    let human_ops = |admin: bool| -> Vec<Op> {
        let mut v = vec![
            op(Get, R_PODS, Home, 6),
            op(List, R_PODS, Home, 6),
            op_sub(Get, R_PODS, "log", Home, 3),
            op(Get, R_DEPLOYMENTS, Home, 3),
            op(List, R_DEPLOYMENTS, Home, 2),
            op(Patch, R_DEPLOYMENTS, Home, 1),
            op(Watch, R_PODS, Home, 1),
            op(List, R_EVENTS, Home, 2),
            op(Get, R_CONFIGMAPS, Home, 2),
            op(Update, R_CONFIGMAPS, Home, 1),
            op(Delete, R_PODS, Home, 1),
            op_sub(Create, R_PODS, "exec", Home, 1),
            op(Create, R_SSAR, All, 1),
            op_path(P_API, 2),
            op_path(P_APIS, 2),
            op_path(P_OPENAPI, 1),
            op_path(P_VERSION, 1),
        ];
        if admin {
            v.extend([
                op(List, R_NODES, All, 2),
                op(List, R_PODS, All, 2),
                op(Get, R_NODES, All, 1),
                op(List, R_NAMESPACES, All, 2),
                op(Get, R_SECRETS, Any, 1),
                op(List, R_CLUSTERROLEBINDINGS, All, 1),
                op_sub(Patch, R_DEPLOYMENTS, "scale", Any, 1),
                op(Get, R_PODS, Any, 3),
                op(Create, R_CONFIGMAPS, Any, 1),
            ]);
        }
        v
    };
    let mut humans = Vec::new();
    let kubectl = b.ua(&format!("kubectl{VERSION_SUFFIX}"));
    let kubectl_mac = b.ua("kubectl/v1.29.1 (darwin/arm64) kubernetes/bc401b9");
    let people: [(&str, &str, u8, bool, &str); 4] = [
        (
            "alice@example.com",
            r#"["system:masters","system:authenticated"]"#,
            NS_PAYMENTS,
            true,
            "",
        ),
        (
            "dave@example.com",
            r#"["sre","system:authenticated"]"#,
            NS_KUBE_SYSTEM,
            true,
            r#"RBAC: allowed by ClusterRoleBinding "sre-admin" of ClusterRole "cluster-admin" to Group "sre""#,
        ),
        (
            "bob@example.com",
            r#"["dev-team","system:authenticated"]"#,
            NS_PAYMENTS,
            false,
            r#"RBAC: allowed by RoleBinding "dev-team-edit/payments" of ClusterRole "edit" to Group "dev-team""#,
        ),
        (
            "carol@example.com",
            r#"["dev-team","system:authenticated"]"#,
            NS_CHECKOUT,
            false,
            r#"RBAC: allowed by RoleBinding "dev-team-edit/checkout" of ClusterRole "edit" to Group "dev-team""#,
        ),
    ];
    for (i, (name, groups, home, admin, reason)) in people.into_iter().enumerate() {
        let host = b.dice.between(20, 200);
        let ip = b.ip(format!("192.168.{}.{host}", 10 + i));
        let reason = b.reason(reason);
        let ua = if i % 2 == 0 { kubectl_mac } else { kubectl };
        let id = b.push(
            Kind::Human,
            name,
            plain_user(name, groups),
            groups,
            home,
            ip,
            ua,
            reason,
            human_ops(admin),
            10,
        );
        humans.push(id);
    }

    // Health checks and scanners.
    let lb_ip = b.ip("10.0.0.14".to_owned());
    let lb_ua = b.ua("ELB-HealthChecker/2.0");
    let anon_groups = r#"["system:unauthenticated"]"#;
    let anonymous = b.push(
        Kind::Anonymous,
        "system:anonymous",
        plain_user("system:anonymous", anon_groups),
        anon_groups,
        NS_DEFAULT,
        lb_ip,
        lb_ua,
        reason_public_info,
        vec![
            op_path(P_HEALTHZ, 3),
            op_path(P_LIVEZ, 3),
            op_path(P_READYZ, 4),
            op_path(P_VERSION, 1),
        ],
        10,
    );

    // Look-alikes: never in the background mix, only denied.
    let odd_ip = b.ip("10.0.2.77".to_owned());
    let python = b.ua("python-requests/2.31.0");
    let plural_groups = r#"["system:authenticated"]"#;
    let plural_lookalike = b.push(
        Kind::Odd,
        "system:serviceaccounts:kube-system",
        plain_user("system:serviceaccounts:kube-system", plural_groups),
        plural_groups,
        NS_KUBE_SYSTEM,
        odd_ip,
        python,
        reason_none,
        vec![op(List, R_PODS, Ns(NS_KUBE_SYSTEM), 1)],
        0,
    );
    let oidc_ip = b.ip("192.168.14.3".to_owned());
    let oidc_groups = r#"["oidc:developers","system:authenticated"]"#;
    let case_lookalike = b.push(
        Kind::Odd,
        "System:ServiceAccount:default:x",
        plain_user("System:ServiceAccount:default:x", oidc_groups),
        oidc_groups,
        NS_DEFAULT,
        oidc_ip,
        kubectl,
        reason_none,
        vec![op(Get, R_SECRETS, Ns(NS_DEFAULT), 1)],
        0,
    );

    // Attackers' addresses and tools.
    let attacker_ips = [
        "185.220.101.47",
        "203.0.113.66",
        "45.148.10.212",
        "198.51.100.23",
        "91.219.236.18",
    ]
    .iter()
    .map(|s| b.ip((*s).to_owned()))
    .collect();
    let ua_curl = b.ua("curl/8.5.0");
    let scanner_ips = ["167.94.138.120", "162.142.125.9", "71.6.199.23"]
        .iter()
        .map(|s| b.ip((*s).to_owned()))
        .collect();
    let ua_scanner = b.ua("Mozilla/5.0 zgrab/0.x");
    let ua_python = python;

    // Service accounts refused the same thing again and again.
    let find = |b: &Builder<'_>, name: &str| -> u32 {
        b.actors
            .iter()
            .position(|a| a.username == name)
            .unwrap_or(0) as u32
    };
    let broken = vec![
        Broken {
            actor: find(&b, "system:serviceaccount:monitoring:kube-state-metrics"),
            verb: List,
            res: R_VPAS,
            ns: NO_NS,
        },
        Broken {
            actor: find(
                &b,
                "system:serviceaccount:argocd:argocd-application-controller",
            ),
            verb: List,
            res: R_SECRETS,
            ns: NS_PAYMENTS,
        },
        Broken {
            actor: find(&b, "system:serviceaccount:logging:fluent-bit"),
            verb: List,
            res: R_NAMESPACES,
            ns: NO_NS,
        },
        Broken {
            actor: find(&b, "system:serviceaccount:team-b:deployer"),
            verb: Create,
            res: R_ROLEBINDINGS,
            ns: 22,
        },
        Broken {
            actor: find(&b, "system:serviceaccount:external-dns:external-dns"),
            verb: Watch,
            res: R_NETPOLS,
            ns: NO_NS,
        },
    ];
    let impersonated = vec![
        find(&b, "system:serviceaccount:payments:payments-api"),
        find(&b, "system:serviceaccount:team-a:ci-runner"),
    ];
    let _ = (Any, Delete);

    // Scale weights so each kind gets its share of the background.
    let mut kind_totals = [0u64; 6];
    for a in &b.actors {
        kind_totals[a.kind as usize] += u64::from(a.weight);
    }
    for a in &mut b.actors {
        let total = kind_totals[a.kind as usize].max(1);
        a.weight = (u64::from(a.weight) * u64::from(kind_share(a.kind)) * 100 / total) as u32;
    }
    let actor_cum = cumulative(b.actors.iter().map(|a| a.weight));
    let admin = humans[0];
    let developer = humans[2];
    World {
        actors: b.actors,
        actor_cum,
        ips: b.ips,
        uas: b.uas,
        reasons: b.reasons,
        res,
        nodes,
        broken,
        stealable,
        service_accounts,
        humans,
        node_actors,
        anonymous,
        admin,
        developer,
        plural_lookalike,
        case_lookalike,
        impersonated,
        attacker_ips,
        scanner_ips,
        ua_scanner,
        ua_curl,
        ua_python,
        reason_none,
        reason_basic_user,
        reason_public_info,
    }
}

// ---------------------------------------------------------------------------------------------
// Requests: planned with the dice, rendered as one or two events
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NameRef {
    None,
    Pool(u16),
    Own,
}

const NO_ACTOR: u32 = u32::MAX;

/// One API request, fully decided; rendering it needs no randomness.
#[derive(Debug, Clone, Copy)]
struct Req {
    received: i64,
    /// `stageTimestamp` of the RequestReceived event.
    rr_at: i64,
    /// `stageTimestamp` of the response event.
    done_at: i64,
    id: u128,
    /// Seed for render-time variations (uids, resource versions, body details).
    body: u64,
    actor: u32,
    /// The impersonated actor, or [`NO_ACTOR`].
    imp: u32,
    cluster: u32,
    verb: Verb,
    res: u8,
    sub: &'static str,
    ns: u8,
    name: NameRef,
    path: u8,
    /// Query-string variant for lists.
    query: u8,
    level: Level,
    outcome: Outcome,
    ip: u16,
    ua: u16,
    reason: u16,
    /// Only the RequestReceived event (the last request when one event is left).
    rr_only: bool,
}

impl Req {
    fn response_stage(&self) -> Stage {
        if (self.verb == Verb::Watch && self.outcome == Outcome::Ok)
            || self.outcome == Outcome::Upgraded
        {
            Stage::ResponseStarted
        } else {
            Stage::ResponseComplete
        }
    }
}

/// Hour-of-day weights (UTC): busy in working hours, never empty at night.
const HOURLY: [f64; 24] = [
    0.45, 0.40, 0.38, 0.38, 0.40, 0.45, 0.60, 0.85, 1.20, 1.50, 1.65, 1.70, 1.60, 1.65, 1.70, 1.65,
    1.50, 1.30, 1.05, 0.85, 0.70, 0.60, 0.55, 0.50,
];

/// Maps a position in `[0, 1)` of the background to a time, following [`HOURLY`] (weekends at
/// 60 %). Positions only grow, so a cursor finds the hour.
struct Rhythm {
    cum: Vec<f64>,
    hour: usize,
    start_us: i64,
    span_us: f64,
}

impl Rhythm {
    fn new(start: NaiveDate, days: u32, start_us: i64) -> Self {
        let mut cum = vec![0.0];
        let mut total = 0.0;
        for d in 0..days {
            let weekend = start
                .checked_add_days(chrono::Days::new(u64::from(d)))
                .is_some_and(|date| matches!(date.weekday(), Weekday::Sat | Weekday::Sun));
            for w in HOURLY {
                total += if weekend { w * 0.6 } else { w };
                cum.push(total);
            }
        }
        for c in &mut cum {
            *c /= total;
        }
        Self {
            cum,
            hour: 0,
            start_us,
            // Keep the last responses (latency < 1.5 s) inside the last day.
            span_us: (i64::from(days) * DAY_US - 2 * SEC_US) as f64,
        }
    }

    fn at(&mut self, p: f64) -> i64 {
        let hours = self.cum.len() - 1;
        while self.hour + 1 < hours && self.cum[self.hour + 1] <= p {
            self.hour += 1;
        }
        let (lo, hi) = (self.cum[self.hour], self.cum[self.hour + 1]);
        let frac = if hi > lo {
            ((p - lo) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        self.start_us + ((self.hour as f64 + frac) / hours as f64 * self.span_us) as i64
    }
}

/// An event waiting in time order.
struct Pending {
    at: i64,
    seq: u64,
    stage: Stage,
    req: Req,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    /// Reversed: `BinaryHeap` is a max-heap and we want the earliest event first.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .at
            .cmp(&self.at)
            .then_with(|| other.seq.cmp(&self.seq))
    }
}

/// Requests a stolen token probes with: verb, resource, subresource, namespace ([`NO_NS`] for
/// the cluster scope, `ANY_NS` for a random one).
const ANY_NS: u8 = u8::MAX - 1;
type Probe = (Verb, u8, &'static str, u8);
const PROBES: &[Probe] = &[
    (Verb::List, R_SECRETS, "", NO_NS),
    (Verb::List, R_SECRETS, "", ANY_NS),
    (Verb::Get, R_SECRETS, "", NS_KUBE_SYSTEM),
    (Verb::List, R_PODS, "", NO_NS),
    (Verb::Create, R_PODS, "exec", ANY_NS),
    (Verb::List, R_CLUSTERROLES, "", NO_NS),
    (Verb::List, R_CLUSTERROLEBINDINGS, "", NO_NS),
    (Verb::Create, R_CLUSTERROLEBINDINGS, "", NO_NS),
    (Verb::List, R_NODES, "", NO_NS),
    (Verb::Get, R_NODES, "", NO_NS),
    (Verb::Create, R_SERVICEACCOUNTS, "token", NS_KUBE_SYSTEM),
    (Verb::Create, R_SERVICEACCOUNTS, "token", ANY_NS),
    (Verb::Get, R_CONFIGMAPS, "", NS_KUBE_SYSTEM),
    (Verb::List, R_NAMESPACES, "", NO_NS),
    (Verb::List, R_DEPLOYMENTS, "", NO_NS),
    (Verb::Create, R_PODS, "", NS_KUBE_SYSTEM),
    (Verb::List, R_ROLES, "", ANY_NS),
    (Verb::Get, R_PODS, "log", ANY_NS),
    (Verb::Watch, R_SECRETS, "", NO_NS),
    (Verb::List, R_SERVICEACCOUNTS, "", ANY_NS),
    (Verb::Create, R_DAEMONSETS, "", NS_KUBE_SYSTEM),
    (Verb::List, R_CRDS, "", NO_NS),
];

/// What a service account is refused when it pokes around (background denials).
const SA_STRAYS: &[Probe] = &[
    (Verb::Get, R_SECRETS, "", ANY_NS),
    (Verb::List, R_SECRETS, "", NO_NS),
    (Verb::List, R_NODES, "", NO_NS),
    (Verb::Get, R_CONFIGMAPS, "", NS_KUBE_SYSTEM),
    (Verb::Delete, R_DEPLOYMENTS, "", ANY_NS),
    (Verb::Patch, R_CLUSTERROLES, "", NO_NS),
    (Verb::Create, R_PODS, "exec", ANY_NS),
    (Verb::Watch, R_EVENTS, "", NO_NS),
];

/// What developers and scanners are refused.
const HUMAN_STRAYS: &[Probe] = &[
    (Verb::Delete, R_DEPLOYMENTS, "", NS_KUBE_SYSTEM),
    (Verb::Get, R_SECRETS, "", NS_KUBE_SYSTEM),
    (Verb::List, R_NODES, "", NO_NS),
    (Verb::Create, R_PODS, "exec", ANY_NS),
    (Verb::List, R_CLUSTERROLES, "", NO_NS),
    (Verb::List, R_PODS, "", ANY_NS),
    (Verb::Patch, R_DEPLOYMENTS, "scale", ANY_NS),
];
const ANONYMOUS_STRAYS: &[Probe] = &[
    (Verb::List, R_PODS, "", NO_NS),
    (Verb::Get, R_SECRETS, "", NS_KUBE_SYSTEM),
    (Verb::List, R_NAMESPACES, "", NO_NS),
    (Verb::List, R_SECRETS, "", NO_NS),
];

/// A namespace for "any namespace" requests: mostly application namespaces.
fn any_ns(dice: &mut Dice) -> u8 {
    if dice.chance(0.75) {
        *dice.pick(APP_NAMESPACES)
    } else {
        NS_KUBE_SYSTEM
    }
}

fn level_for(dice: &mut Dice, verb: Verb, res: u8, sub: &str) -> Level {
    if res == NON_RESOURCE
        || matches!(res, R_SECRETS | R_TOKENREVIEWS)
        || sub == "exec"
        || sub == "log"
    {
        return Level::Metadata;
    }
    if matches!(res, R_SSAR | R_SSRR) {
        return Level::RequestResponse;
    }
    if res == R_SERVICEACCOUNTS && sub == "token" {
        return if dice.chance(0.3) {
            Level::Request
        } else {
            Level::Metadata
        };
    }
    let x = dice.below(100);
    let (metadata, request) = match verb {
        Verb::Create | Verb::Update | Verb::Patch => (52, 74),
        Verb::Get => (92, 96),
        _ => (95, 100),
    };
    if x < metadata {
        Level::Metadata
    } else if x < request {
        Level::Request
    } else {
        Level::RequestResponse
    }
}

/// How an authorized request ends: mostly 200/201, sometimes 404, 409, 422, 500 or a webhook.
fn allowed_outcome(dice: &mut Dice, r: &Req) -> Outcome {
    if r.res == NON_RESOURCE {
        return Outcome::Ok;
    }
    if r.sub == "exec" {
        return Outcome::Upgraded;
    }
    let webhooked = matches!(r.res, R_PODS | R_DEPLOYMENTS | R_CONFIGMAPS)
        && r.sub.is_empty()
        && r.ns != NS_KUBE_SYSTEM;
    let x = dice.unit();
    match r.verb {
        Verb::Create => {
            if matches!(r.res, R_SSAR | R_SSRR | R_TOKENREVIEWS) || !r.sub.is_empty() {
                Outcome::Created
            } else if x < 0.015 {
                Outcome::AlreadyExists
            } else if x < 0.023 {
                Outcome::Invalid
            } else if x < 0.025 {
                Outcome::ServerError
            } else if x < 0.028 && webhooked {
                Outcome::WebhookDenied
            } else {
                Outcome::Created
            }
        }
        Verb::Get if x < 0.04 => Outcome::NotFound,
        Verb::Update if x < 0.03 => Outcome::Conflict,
        Verb::Update if x < 0.033 => Outcome::Invalid,
        Verb::Update if x < 0.034 => Outcome::ServerError,
        Verb::Update if x < 0.035 && webhooked => Outcome::WebhookDenied,
        Verb::Patch if x < 0.007 => Outcome::Invalid,
        Verb::Patch if x < 0.012 => Outcome::NotFound,
        Verb::Patch if x < 0.013 => Outcome::ServerError,
        Verb::Delete if x < 0.05 => Outcome::NotFound,
        Verb::List | Verb::Watch | Verb::DeleteCollection if x < 0.0005 => Outcome::ServerError,
        _ => Outcome::Ok,
    }
}

struct Generator {
    dice: Dice,
    world: World,
    clock: Clock,
    rhythm: Rhythm,
    clusters: u32,
    seed: u64,
    /// Attack and noise requests, by received time.
    script: Vec<Req>,
    script_pos: usize,
    bg_budget: u64,
    bg_reserved: u64,
    next_bg: Option<i64>,
    heap: BinaryHeap<Pending>,
    seq: u64,
    p_deny: f64,
}

impl Generator {
    fn new(opts: &GenerateOptions) -> Self {
        let mut dice = Dice::new(opts.seed);
        let world = build_world(&mut dice);
        let clock = Clock::new(opts.start, opts.days);
        let rhythm = Rhythm::new(opts.start, opts.days, clock.start_us);
        let mut g = Self {
            dice,
            world,
            clock,
            rhythm,
            clusters: opts.clusters,
            seed: opts.seed,
            script: Vec::new(),
            script_pos: 0,
            bg_budget: 0,
            bg_reserved: 0,
            next_bg: None,
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            p_deny: 0.0,
        };
        g.plan_scripts(opts);
        let scripted = 2 * g.script.len() as u64;
        g.bg_budget = opts.events.saturating_sub(scripted);
        // The rate applies to the background; the attack bursts and look-alikes come on top, so
        // the broken-RBAC, human, anonymous and node denials are there at any size.
        g.p_deny = opts.deny_rate;
        g.schedule_background();
        g
    }

    fn pick_cluster(&mut self) -> u32 {
        if self.clusters <= 1 {
            0
        } else {
            self.dice.below(u64::from(self.clusters)) as u32
        }
    }

    fn schedule_background(&mut self) {
        if self.bg_reserved >= self.bg_budget {
            self.next_bg = None;
            return;
        }
        let u = self.dice.unit();
        let p = (self.bg_reserved as f64 + u) / self.bg_budget as f64;
        self.next_bg = Some(self.rhythm.at(p));
    }

    /// The request an actor makes with an operation: namespace, name, level decided here.
    fn base(&mut self, received: i64, cluster: u32, actor: u32, o: Op) -> Req {
        let a = &self.world.actors[actor as usize];
        let namespaced = o.res != NON_RESOURCE && RESOURCES[usize::from(o.res)].namespaced;
        let ns = if namespaced {
            match o.scope {
                Scope::Home => a.home,
                Scope::Any => any_ns(&mut self.dice),
                Scope::All => NO_NS,
                Scope::Own => a.own_ns,
                Scope::Ns(n) => n,
            }
        } else {
            NO_NS
        };
        let nameless = o.res == NON_RESOURCE || matches!(o.res, R_SSAR | R_SSRR | R_TOKENREVIEWS);
        let wants_name = o.verb.named() || o.verb == Verb::Create || !o.sub.is_empty();
        let name = if nameless || !wants_name {
            NameRef::None
        } else if matches!(o.scope, Scope::Own) && !a.own_name.is_empty() {
            NameRef::Own
        } else {
            let pool = self.world.res[usize::from(o.res)].names.len();
            NameRef::Pool(self.dice.index(pool) as u16)
        };
        Req {
            received,
            rr_at: received,
            done_at: received,
            id: self.dice.uuid(),
            body: self.dice.next(),
            actor,
            imp: NO_ACTOR,
            cluster,
            verb: o.verb,
            res: o.res,
            sub: o.sub,
            ns,
            name,
            path: o.path,
            query: self.dice.below(2) as u8,
            level: level_for(&mut self.dice, o.verb, o.res, o.sub),
            outcome: Outcome::Ok,
            ip: a.ip,
            ua: a.ua,
            reason: a.reason,
            rr_only: false,
        }
    }

    /// A request for one of the probe tables' entries.
    fn probe(
        &mut self,
        received: i64,
        cluster: u32,
        actor: u32,
        (verb, res, sub, ns): Probe,
    ) -> Req {
        let ns = if ns == ANY_NS {
            any_ns(&mut self.dice)
        } else {
            ns
        };
        let scope = if ns == NO_NS {
            Scope::All
        } else {
            Scope::Ns(ns)
        };
        self.base(received, cluster, actor, op_sub(verb, res, sub, scope, 1))
    }

    /// Sets the timestamps (and drops bodies from denials).
    fn finish(&mut self, r: &mut Req) {
        if r.outcome.denied() {
            r.level = Level::Metadata;
            r.reason = self.world.reason_none;
        }
        let (lo, hi) = if r.outcome.denied() {
            (300, 2_500)
        } else if r.res == NON_RESOURCE {
            (200, 3_000)
        } else {
            match r.verb {
                Verb::Watch => (500, 4_000),
                Verb::Get => (700, 9_000),
                Verb::List => (2_500, 60_000),
                Verb::Create | Verb::Update | Verb::Patch => (3_000, 25_000),
                Verb::Delete | Verb::DeleteCollection => (4_000, 40_000),
            }
        };
        let mut latency = span(self.dice.between(lo, hi));
        if self.dice.chance(0.01) {
            latency = (latency * 8).min(1_400_000);
        }
        r.rr_at = r.received + span(self.dice.below(40));
        r.done_at = r.rr_at + latency;
    }
}

impl Generator {
    fn plan_background(&mut self, received: i64, rr_only: bool) -> Req {
        let cluster = self.pick_cluster();
        let mut r = if self.p_deny > 0.0 && self.dice.chance(self.p_deny) {
            self.plan_denial(received, cluster)
        } else {
            let actor = self.dice.weighted(&self.world.actor_cum) as u32;
            let a = &self.world.actors[actor as usize];
            let o = a.ops[self.dice.weighted(&a.op_cum)];
            let mut r = self.base(received, cluster, actor, o);
            r.outcome = allowed_outcome(&mut self.dice, &r);
            if actor == self.world.admin && r.res != NON_RESOURCE && self.dice.chance(0.05) {
                let imp = *self.dice.pick(&self.world.impersonated);
                r.imp = imp;
                r.reason = self.world.actors[imp as usize].reason;
            }
            r
        };
        r.rr_only = rr_only;
        self.finish(&mut r);
        r
    }

    /// A background denial: broken RBAC, stray service accounts, humans, anonymous scanners,
    /// nodes, and the look-alikes.
    fn plan_denial(&mut self, received: i64, cluster: u32) -> Req {
        let category = self.dice.below(100);
        let mut outcome = Outcome::Forbid;
        let mut r = match category {
            0..45 => {
                let b = *self.dice.pick(&self.world.broken);
                self.probe(received, cluster, b.actor, (b.verb, b.res, "", b.ns))
            }
            45..57 => {
                let actor = *self.dice.pick(&self.world.service_accounts);
                let p = *self.dice.pick(SA_STRAYS);
                self.probe(received, cluster, actor, p)
            }
            57..75 => {
                if self.dice.chance(0.25) {
                    let imp = *self.dice.pick(&self.world.impersonated);
                    let p = *self.dice.pick(SA_STRAYS);
                    let mut r = self.probe(received, cluster, self.world.admin, p);
                    r.imp = imp;
                    r
                } else {
                    let actor = self.world.humans[2 + self.dice.index(self.world.humans.len() - 2)];
                    let p = *self.dice.pick(HUMAN_STRAYS);
                    self.probe(received, cluster, actor, p)
                }
            }
            75..87 => {
                let anonymous = self.world.anonymous;
                let mut r = if self.dice.chance(0.5) {
                    let path = *self.dice.pick(&[P_METRICS, P_API, P_APIS, P_OPENAPI]);
                    self.base(received, cluster, anonymous, op_path(path, 1))
                } else {
                    let p = *self.dice.pick(ANONYMOUS_STRAYS);
                    self.probe(received, cluster, anonymous, p)
                };
                r.ip = *self.dice.pick(&self.world.scanner_ips);
                r.ua = self.world.ua_scanner;
                r
            }
            87..95 => {
                let node = *self.dice.pick(&self.world.node_actors);
                let res = if self.dice.chance(0.6) {
                    R_SECRETS
                } else {
                    R_CONFIGMAPS
                };
                self.probe(received, cluster, node, (Verb::Get, res, "", ANY_NS))
            }
            95..97 => {
                let p = *self.dice.pick(SA_STRAYS);
                self.probe(received, cluster, self.world.plural_lookalike, p)
            }
            97..99 => {
                let p = *self.dice.pick(SA_STRAYS);
                self.probe(received, cluster, self.world.case_lookalike, p)
            }
            _ => {
                outcome = Outcome::ForbidOddCase;
                let actor = *self.dice.pick(&self.world.service_accounts);
                let p = *self.dice.pick(SA_STRAYS);
                self.probe(received, cluster, actor, p)
            }
        };
        r.outcome = outcome;
        r
    }

    /// Attacks and look-alikes, a set per day (when there are enough events for them).
    fn plan_scripts(&mut self, opts: &GenerateOptions) {
        let events = opts.events;
        let deny = opts.deny_rate > 0.0;
        let days: Vec<u32> = if events >= 1000 {
            (0..opts.days).collect()
        } else if events >= 300 {
            vec![self.dice.below(u64::from(opts.days)) as u32]
        } else {
            Vec::new()
        };
        if days.is_empty() {
            return;
        }
        let per_day = events / (3 * days.len() as u64);
        for day in days {
            let day_start = self.clock.start_us + i64::from(day) * DAY_US;
            let mut budget = per_day;
            let noise_events = if deny { 18 } else { 4 };
            if budget >= 3 * noise_events {
                self.plan_noise(day_start, deny);
                budget -= noise_events;
            }
            if !deny {
                continue;
            }
            let mut attacks = 1;
            if events / u64::from(opts.days) >= 100_000 && self.dice.chance(0.5) {
                attacks = 2;
            }
            for _ in 0..attacks {
                let allowed = self.dice.between(3, 6);
                let max_denials = (budget / 2).saturating_sub(allowed + 1);
                if max_denials < 3 {
                    break;
                }
                let denials = self.dice.between(24, 56).min(max_denials);
                self.plan_attack(day_start, denials, allowed);
                budget -= 2 * (denials + allowed + 1);
            }
        }
        self.script.sort_by_key(|r| r.received);
    }

    /// A stolen service-account token used from outside: a burst of denials across resources
    /// and namespaces from curl or python-requests, with a few allowed self-reviews.
    fn plan_attack(&mut self, day_start: i64, denials: u64, allowed: u64) {
        let actor = *self.dice.pick(&self.world.stealable);
        let ip = *self.dice.pick(&self.world.attacker_ips);
        let ua = if self.dice.chance(0.5) {
            self.world.ua_curl
        } else {
            self.world.ua_python
        };
        let cluster = self.pick_cluster();
        let duration = span(self.dice.between(120, 420)) * SEC_US;
        let t0 = day_start + span(self.dice.below(86_400 - 900)) * SEC_US;
        let n = 1 + allowed + denials;
        let mut offsets: Vec<i64> = (0..n)
            .map(|_| span(self.dice.below(duration as u64)))
            .collect();
        offsets.sort_unstable();
        // After /version and a rules review: the denials with the access reviews shuffled in.
        let mut kinds: Vec<bool> = (0..allowed - 1)
            .map(|_| true)
            .chain((0..denials).map(|_| false))
            .collect();
        for i in (1..kinds.len()).rev() {
            let j = self.dice.index(i + 1);
            kinds.swap(i, j);
        }
        for (i, &offset) in offsets.iter().enumerate() {
            let at = t0 + offset;
            let mut r = match i {
                0 => {
                    let mut r = self.base(at, cluster, actor, op_path(P_VERSION, 1));
                    r.reason = self.world.reason_public_info;
                    r
                }
                1 => {
                    let mut r = self.probe(at, cluster, actor, (Verb::Create, R_SSRR, "", NO_NS));
                    r.outcome = Outcome::Created;
                    r.reason = self.world.reason_basic_user;
                    r
                }
                _ if kinds[i - 2] => {
                    let mut r = self.probe(at, cluster, actor, (Verb::Create, R_SSAR, "", NO_NS));
                    r.outcome = Outcome::Created;
                    r.reason = self.world.reason_basic_user;
                    r
                }
                _ => {
                    let p = *self.dice.pick(PROBES);
                    let mut r = self.probe(at, cluster, actor, p);
                    r.outcome = Outcome::Forbid;
                    r
                }
            };
            r.ip = ip;
            r.ua = ua;
            self.finish(&mut r);
            self.script.push(r);
        }
    }

    /// One of each look-alike the rule must not match, at random times of the day.
    fn plan_noise(&mut self, day_start: i64, deny: bool) {
        let w = &self.world;
        let (admin, developer, anonymous) = (w.admin, w.developer, w.anonymous);
        let (plural, case) = (w.plural_lookalike, w.case_lookalike);
        let imp = w.impersonated[0];
        let imp_reason = w.actors[imp as usize].reason;
        let node = w.node_actors[0];
        let webhook_actor = w
            .stealable
            .iter()
            .copied()
            .find(|&a| w.actors[a as usize].home == NS_DATA)
            .unwrap_or(w.stealable[0]);
        let odd_case_actor = w.stealable[0];
        let items: &[(u32, Probe, Outcome, bool)] = &[
            (
                webhook_actor,
                (Verb::Create, R_PODS, "", NS_DATA),
                Outcome::WebhookDenied,
                false,
            ),
            (
                admin,
                (Verb::Get, R_PODS, "", NS_PAYMENTS),
                Outcome::Ok,
                true,
            ),
            (
                plural,
                (Verb::List, R_PODS, "", NS_KUBE_SYSTEM),
                Outcome::Forbid,
                false,
            ),
            (
                case,
                (Verb::Get, R_SECRETS, "", NS_DEFAULT),
                Outcome::Forbid,
                false,
            ),
            (
                odd_case_actor,
                (Verb::List, R_SECRETS, "", NO_NS),
                Outcome::ForbidOddCase,
                false,
            ),
            (
                admin,
                (Verb::List, R_SECRETS, "", NS_KUBE_SYSTEM),
                Outcome::Forbid,
                true,
            ),
            (
                developer,
                (Verb::Delete, R_DEPLOYMENTS, "", NS_KUBE_SYSTEM),
                Outcome::Forbid,
                false,
            ),
            (
                anonymous,
                (Verb::Get, R_SECRETS, "", NS_KUBE_SYSTEM),
                Outcome::Forbid,
                false,
            ),
            (
                node,
                (Verb::Get, R_SECRETS, "", NS_PAYMENTS),
                Outcome::Forbid,
                false,
            ),
        ];
        let count = if deny { items.len() } else { 2 };
        for &(actor, probe, outcome, impersonate) in &items[..count] {
            let at = day_start + span(self.dice.below((DAY_US - 10 * SEC_US) as u64));
            let cluster = self.pick_cluster();
            let mut r = self.probe(at, cluster, actor, probe);
            r.outcome = outcome;
            if impersonate {
                r.imp = imp;
                r.reason = imp_reason;
            }
            if outcome == Outcome::WebhookDenied {
                r.level = Level::Request;
            }
            if actor == anonymous && outcome.denied() {
                r.ip = self.world.scanner_ips[0];
                r.ua = self.world.ua_scanner;
            }
            self.finish(&mut r);
            self.script.push(r);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering: bytes by hand, no allocation
// ---------------------------------------------------------------------------------------------

fn push(b: &mut Vec<u8>, s: &str) {
    b.extend_from_slice(s.as_bytes());
}

/// The object name a request refers to.
fn name_of<'a>(w: &'a World, r: &Req) -> &'a str {
    match r.name {
        NameRef::None => "",
        NameRef::Pool(i) => w.res[usize::from(r.res)]
            .names
            .get(usize::from(i))
            .map_or("", String::as_str),
        NameRef::Own => &w.actors[r.actor as usize].own_name,
    }
}

/// Whether the URI (not only the logged object) carries the name.
fn uri_named(r: &Req) -> bool {
    r.name != NameRef::None && (r.verb.named() || !r.sub.is_empty())
}

/// The user the request acts as: the impersonated one if any.
fn effective_user<'a>(w: &'a World, r: &Req) -> &'a Actor {
    if r.imp == NO_ACTOR {
        &w.actors[r.actor as usize]
    } else {
        &w.actors[r.imp as usize]
    }
}

fn resource_version(clock: &Clock, r: &Req) -> u64 {
    184_000_000 + ((r.received - clock.start_us).max(0) / 20_000) as u64 + r.body % 512
}

fn write_uri(w: &World, clock: &Clock, b: &mut Vec<u8>, r: &Req) {
    if r.res == NON_RESOURCE {
        push(b, NON_RESOURCE_PATHS[usize::from(r.path)]);
        return;
    }
    let info = &w.res[usize::from(r.res)];
    push(b, &info.prefix);
    if r.ns != NO_NS {
        push(b, "/namespaces/");
        push(b, NAMESPACES[usize::from(r.ns)]);
    }
    b.push(b'/');
    push(b, RESOURCES[usize::from(r.res)].plural);
    if uri_named(r) {
        b.push(b'/');
        push(b, name_of(w, r));
    }
    if !r.sub.is_empty() {
        b.push(b'/');
        push(b, r.sub);
    }
    match r.verb {
        Verb::List => {
            push(b, "?limit=500");
            if r.query == 1 {
                push(b, "\\u0026resourceVersion=0");
            }
        }
        Verb::Watch => {
            let timeout = 300 + r.body % 300;
            push(b, "?allowWatchBookmarks=true\\u0026resourceVersion=");
            push_u64(b, resource_version(clock, r));
            push(b, "\\u0026timeout=");
            push_u64(b, timeout / 60);
            b.push(b'm');
            push_u64(b, timeout % 60);
            push(b, "s\\u0026timeoutSeconds=");
            push_u64(b, timeout);
            push(b, "\\u0026watch=true");
        }
        _ if r.sub == "exec" => {
            push(
                b,
                "?command=%2Fbin%2Fsh\\u0026container=app\\u0026stdin=true\\u0026stdout=true\\u0026tty=true",
            );
        }
        _ if r.sub == "log" => {
            push(b, "?container=app\\u0026tailLines=200");
        }
        Verb::Get | Verb::Update if r.res == R_LEASES => push(b, "?timeout=10s"),
        _ => {}
    }
}

fn write_object_ref(w: &World, b: &mut Vec<u8>, r: &Req, fin: bool) {
    let def = &RESOURCES[usize::from(r.res)];
    push(b, r#","objectRef":{"resource":""#);
    push(b, def.plural);
    b.push(b'"');
    if r.ns != NO_NS {
        push(b, r#","namespace":""#);
        push(b, NAMESPACES[usize::from(r.ns)]);
        b.push(b'"');
    }
    if uri_named(r) || (fin && r.name != NameRef::None && !r.outcome.denied()) {
        push(b, r#","name":""#);
        push(b, name_of(w, r));
        b.push(b'"');
    }
    if !def.group.is_empty() {
        push(b, r#","apiGroup":""#);
        push(b, def.group);
        b.push(b'"');
    }
    push(b, r#","apiVersion":""#);
    push(b, def.version);
    b.push(b'"');
    if !r.sub.is_empty() {
        push(b, r#","subresource":""#);
        push(b, r.sub);
        b.push(b'"');
    }
    b.push(b'}');
}

/// `"details":{"name":...,"group":...,"kind":...` (left open for causes).
fn open_details(b: &mut Vec<u8>, name: &str, group: &str, kind: &str) {
    push(b, r#","details":{"#);
    let mut first = true;
    for (key, value) in [("name", name), ("group", group), ("kind", kind)] {
        if value.is_empty() {
            continue;
        }
        if !first {
            b.push(b',');
        }
        first = false;
        b.push(b'"');
        push(b, key);
        push(b, r#"":""#);
        push(b, value);
        b.push(b'"');
    }
}

fn write_status(w: &World, b: &mut Vec<u8>, r: &Req) {
    push(b, r#","responseStatus":{"metadata":{}"#);
    if r.outcome.success() {
        push(b, r#","code":"#);
        push_u64(b, r.outcome.code());
        b.push(b'}');
        return;
    }
    push(b, r#","status":"Failure","message":""#);
    let resource = r.res != NON_RESOURCE;
    let (def, info) = if resource {
        (
            Some(&RESOURCES[usize::from(r.res)]),
            Some(&w.res[usize::from(r.res)]),
        )
    } else {
        (None, None)
    };
    let plural = def.map_or("", |d| d.plural);
    let group = def.map_or("", |d| d.group);
    let qualified = info.map_or("", |i| i.qualified.as_str());
    let name = if uri_named(r) || !r.outcome.denied() {
        name_of(w, r)
    } else {
        ""
    };
    let reason = match r.outcome {
        Outcome::Forbid | Outcome::ForbidOddCase => {
            let user = effective_user(w, r);
            if resource {
                push(b, qualified);
                if !name.is_empty() {
                    push(b, r#" \""#);
                    push(b, name);
                    push(b, r#"\""#);
                }
                push(b, " is forbidden: User ");
            } else {
                push(b, "forbidden: User ");
            }
            push(b, r#"\""#);
            push(b, &user.username);
            push(b, r#"\" cannot "#);
            push(b, r.verb.as_str());
            if resource {
                push(b, r#" resource \""#);
                push(b, plural);
                if !r.sub.is_empty() {
                    b.push(b'/');
                    push(b, r.sub);
                }
                push(b, r#"\" in API group \""#);
                push(b, group);
                if r.ns == NO_NS {
                    push(b, r#"\" at the cluster scope"#);
                } else {
                    push(b, r#"\" in the namespace \""#);
                    push(b, NAMESPACES[usize::from(r.ns)]);
                    push(b, r#"\""#);
                }
                if user.kind == Kind::Node {
                    push(b, ": no relationship found between node '");
                    push(b, &user.own_name);
                    push(b, "' and this object");
                }
            } else {
                push(b, r#" path \""#);
                push(b, NON_RESOURCE_PATHS[usize::from(r.path)]);
                push(b, r#"\""#);
            }
            "Forbidden"
        }
        Outcome::WebhookDenied => {
            push(
                b,
                r#"admission webhook \"validate.kyverno.svc-fail\" denied the request: \n\npolicy "#,
            );
            push(b, RESOURCES[usize::from(r.res)].kind);
            b.push(b'/');
            push(b, NAMESPACES[usize::from(r.ns.min(NS_TEAM_B))]);
            b.push(b'/');
            push(b, name);
            push(
                b,
                r" for resource violation: \n\nrequire-run-as-nonroot:\n  run-as-non-root: 'validation error: Running as root is not allowed. rule run-as-non-root failed at path /spec/securityContext/runAsNonRoot/'\n",
            );
            "Forbidden"
        }
        Outcome::NotFound => {
            push(b, qualified);
            push(b, r#" \""#);
            push(b, name);
            push(b, r#"\" not found"#);
            "NotFound"
        }
        Outcome::Conflict => {
            push(b, "Operation cannot be fulfilled on ");
            push(b, qualified);
            push(b, r#" \""#);
            push(b, name);
            push(
                b,
                r#"\": the object has been modified; please apply your changes to the latest version and try again"#,
            );
            "Conflict"
        }
        Outcome::AlreadyExists => {
            push(b, qualified);
            push(b, r#" \""#);
            push(b, name);
            push(b, r#"\" already exists"#);
            "AlreadyExists"
        }
        Outcome::Invalid => {
            push(b, def.map_or("", |d| d.kind));
            if !group.is_empty() {
                b.push(b'.');
                push(b, group);
            }
            push(b, r#" \""#);
            push(b, name);
            push(
                b,
                r#"\" is invalid: metadata.annotations: Too long: must have at most 262144 bytes"#,
            );
            "Invalid"
        }
        _ => {
            push(b, "Internal error occurred: ");
            push(b, server_error(r));
            "InternalError"
        }
    };
    push(b, r#"","reason":""#);
    push(b, reason);
    b.push(b'"');
    match r.outcome {
        Outcome::WebhookDenied => {}
        Outcome::Invalid => {
            open_details(b, name, group, def.map_or("", |d| d.kind));
            push(
                b,
                r#","causes":[{"reason":"FieldValueTooLong","message":"Too long: must have at most 262144 bytes","field":"metadata.annotations"}]}"#,
            );
        }
        Outcome::ServerError => {
            push(b, r#","details":{"causes":[{"message":""#);
            push(b, server_error(r));
            push(b, r#""}]}"#);
        }
        _ => {
            open_details(b, name, group, plural);
            b.push(b'}');
        }
    }
    push(b, r#","code":"#);
    push_u64(b, r.outcome.code());
    b.push(b'}');
}

fn server_error(r: &Req) -> &'static str {
    if r.verb == Verb::Create {
        "resource quota evaluation timed out"
    } else {
        "etcdserver: request timed out"
    }
}

fn write_annotations(w: &World, b: &mut Vec<u8>, r: &Req) {
    push(b, r#","annotations":{"authorization.k8s.io/decision":""#);
    push(
        b,
        match r.outcome {
            Outcome::Forbid => "forbid",
            Outcome::ForbidOddCase => "Forbid",
            _ => "allow",
        },
    );
    push(b, r#"","authorization.k8s.io/reason":""#);
    push(b, &w.reasons[usize::from(r.reason)]);
    b.push(b'"');
    if r.res == R_PODS && r.sub.is_empty() && r.verb == Verb::Create && !r.outcome.denied() {
        push(b, r#","pod-security.kubernetes.io/enforce-policy":""#);
        push(
            b,
            match r.ns {
                NS_KUBE_SYSTEM | NS_MONITORING | NS_LOGGING | NS_ISTIO => "privileged:latest",
                NS_PAYMENTS | NS_CHECKOUT | NS_ORDERS => "restricted:latest",
                _ => "baseline:latest",
            },
        );
        b.push(b'"');
    }
    b.push(b'}');
}

/// One audit event.
fn write_event(w: &World, clock: &Clock, b: &mut Vec<u8>, r: &Req, stage: Stage) {
    let fin = stage != Stage::RequestReceived;
    let actor = &w.actors[r.actor as usize];
    push(
        b,
        r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#,
    );
    push(b, r.level.as_str());
    push(b, r#"","auditID":""#);
    push_uuid(b, r.id);
    push(b, r#"","stage":""#);
    push(b, stage.as_str());
    push(b, r#"","requestURI":""#);
    write_uri(w, clock, b, r);
    push(b, r#"","verb":""#);
    push(b, r.verb.as_str());
    push(b, r#"","#);
    push(b, &actor.user_json);
    if r.imp != NO_ACTOR {
        push(b, r#","impersonatedUser":"#);
        push(b, &w.actors[r.imp as usize].imp_json);
    }
    push(b, r#","sourceIPs":[""#);
    push(b, &w.ips[usize::from(r.ip)]);
    push(b, r#""],"userAgent":""#);
    push(b, &w.uas[usize::from(r.ua)]);
    b.push(b'"');
    if r.res != NON_RESOURCE {
        write_object_ref(w, b, r, fin);
    }
    if fin {
        write_status(w, b, r);
        write_bodies(w, clock, b, r);
    }
    push(b, r#","requestReceivedTimestamp":""#);
    clock.push(b, r.received, true);
    push(b, r#"","stageTimestamp":""#);
    clock.push(b, if fin { r.done_at } else { r.rr_at }, true);
    b.push(b'"');
    if fin && r.outcome != Outcome::WebhookDenied {
        write_annotations(w, b, r);
    }
    b.push(b'}');
}

/// Output is handed to the writer in chunks of about this size.
const CHUNK: usize = 1 << 20;

impl Generator {
    /// The next request to start, if any: a scripted one or the next background one.
    fn next_request_at(&self) -> Option<i64> {
        let scripted = self.script.get(self.script_pos).map(|r| r.received);
        match (scripted, self.next_bg) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn start_request(&mut self) {
        let scripted = self.script.get(self.script_pos).map(|r| r.received);
        let req = match (scripted, self.next_bg) {
            (Some(s), b) if b.is_none_or(|b| s <= b) => {
                self.script_pos += 1;
                self.script[self.script_pos - 1]
            }
            (_, Some(at)) => {
                let rr_only = self.bg_budget - self.bg_reserved == 1;
                self.bg_reserved += if rr_only { 1 } else { 2 };
                let req = self.plan_background(at, rr_only);
                self.schedule_background();
                req
            }
            _ => return,
        };
        self.seq += 1;
        self.heap.push(Pending {
            at: req.rr_at,
            seq: self.seq,
            stage: Stage::RequestReceived,
            req,
        });
        if !req.rr_only {
            self.seq += 1;
            self.heap.push(Pending {
                at: req.done_at,
                seq: self.seq,
                stage: req.response_stage(),
                req,
            });
        }
    }

    fn run(&mut self, out: &mut dyn Write) -> Result<GenerateStats> {
        let mut stats = GenerateStats::default();
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + (64 << 10));
        let mut event: Vec<u8> = Vec::with_capacity(64 << 10);
        loop {
            let next = self.next_request_at();
            let due = match (self.heap.peek(), next) {
                (Some(p), Some(n)) => p.at <= n,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if !due {
                self.start_request();
                continue;
            }
            let Some(p) = self.heap.pop() else { break };
            let line_start = buf.len();
            if self.clusters > 1 {
                event.clear();
                write_event(&self.world, &self.clock, &mut event, &p.req, p.stage);
                self.write_wrapper(&mut buf, &event, &p.req, p.at);
            } else {
                write_event(&self.world, &self.clock, &mut buf, &p.req, p.stage);
            }
            buf.push(b'\n');
            stats.events += 1;
            stats.lines += 1;
            stats.bytes += (buf.len() - line_start) as u64;
            if p.stage != Stage::RequestReceived
                && p.req.outcome == Outcome::Forbid
                && self.world.actors[p.req.actor as usize]
                    .username
                    .starts_with("system:serviceaccount:")
            {
                stats.sa_denials += 1;
            }
            if buf.len() >= CHUNK {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
        out.write_all(&buf)?;
        out.flush()?;
        Ok(stats)
    }

    /// An EKS CloudWatch export line around the event.
    fn write_wrapper(&self, b: &mut Vec<u8>, event: &[u8], r: &Req, at: i64) {
        let cluster = u64::from(r.cluster) + 1;
        push(b, r#"{"logGroup":"/aws/eks/prod-"#);
        push_u64(b, cluster);
        push(b, r#"/cluster","logStream":"kube-apiserver-audit-"#);
        // Two API servers per cluster, each with its own stream.
        let stream = mix(self.seed ^ mix(cluster.wrapping_mul(2) + (r.body & 1)));
        push_hex(b, u128::from(stream) << 64 | u128::from(mix(stream)), 32);
        push(b, r#"","timestamp":"#);
        push_u64(b, (at / 1000) as u64);
        push(b, r#","message":""#);
        escape_into(b, event, false);
        push(b, r#""}"#);
    }
}

// ---------------------------------------------------------------------------------------------
// Request and response bodies (levels Request and RequestResponse)
// ---------------------------------------------------------------------------------------------

/// Quoted string (callers pass JSON-safe text).
fn q(b: &mut Vec<u8>, s: &str) {
    b.push(b'"');
    push(b, s);
    b.push(b'"');
}

fn push_uid(b: &mut Vec<u8>, seed: u64) {
    push_uuid(
        b,
        u128::from(mix(seed)) << 64 | u128::from(mix(seed ^ 0xa5a5)),
    );
}

/// `"2026-01-05T08:12:33Z"`, quoted.
fn q_time(clock: &Clock, b: &mut Vec<u8>, us: i64) {
    b.push(b'"');
    clock.push(b, us, false);
    b.push(b'"');
}

/// Render-time context of one body.
struct Body<'a> {
    w: &'a World,
    clock: &'a Clock,
    r: &'a Req,
    name: &'a str,
    ns: &'a str,
    /// The app a name belongs to (for labels and images).
    app: &'static str,
}

impl Body<'_> {
    fn seed(&self, k: u64) -> u64 {
        mix(self.r.body ^ k.wrapping_mul(0x9e37_79b9))
    }

    fn api_version(&self, b: &mut Vec<u8>) {
        let def = &RESOURCES[usize::from(self.r.res)];
        b.push(b'"');
        if !def.group.is_empty() {
            push(b, def.group);
            b.push(b'/');
        }
        push(b, def.version);
        b.push(b'"');
    }

    /// `"kind":"Pod","apiVersion":"v1","metadata":{...}`.
    fn head(&self, b: &mut Vec<u8>, full: bool) {
        let def = &RESOURCES[usize::from(self.r.res)];
        push(b, r#""kind":"#);
        q(b, def.kind);
        push(b, r#","apiVersion":"#);
        self.api_version(b);
        push(b, r#","metadata":{"name":"#);
        q(b, self.name);
        if !self.ns.is_empty() {
            push(b, r#","namespace":"#);
            q(b, self.ns);
        }
        if !full {
            push(
                b,
                r#","creationTimestamp":null,"labels":{"app.kubernetes.io/name":"#,
            );
            q(b, self.app);
            push(b, "}}");
            return;
        }
        push(b, r#","uid":""#);
        push_uid(b, self.seed(1));
        push(b, r#"","resourceVersion":""#);
        push_u64(b, resource_version(self.clock, self.r) + 17);
        push(b, r#"","creationTimestamp":"#);
        let age = span(self.seed(2) % (30 * 86_400)) * SEC_US;
        q_time(
            self.clock,
            b,
            (self.r.received - age).max(self.clock.start_us),
        );
        push(b, r#","labels":{"app.kubernetes.io/name":"#);
        q(b, self.app);
        push(b, r#","app.kubernetes.io/part-of":"#);
        q(
            b,
            if self.ns.is_empty() {
                "platform"
            } else {
                self.ns
            },
        );
        push(b, r#"},"managedFields":[{"manager":"#);
        q(b, manager(self.r.res));
        push(b, r#","operation":"Update","apiVersion":"#);
        self.api_version(b);
        push(b, r#","time":"#);
        q_time(self.clock, b, self.r.received);
        push(
            b,
            r#","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{}}}}}]}"#,
        );
    }

    fn image(&self, b: &mut Vec<u8>) {
        push(b, r#""123456789012.dkr.ecr.us-east-1.amazonaws.com/"#);
        push(b, self.app);
        push(b, ":v1.");
        push_u64(b, self.seed(3) % 20);
        b.push(b'.');
        push_u64(b, self.seed(4) % 10);
        b.push(b'"');
    }

    fn node(&self) -> &str {
        &self.w.nodes[(self.seed(5) % self.w.nodes.len() as u64) as usize]
    }

    fn pod_ip(&self, b: &mut Vec<u8>, k: u64) {
        push(b, "10.244.");
        push_u64(b, self.seed(k) % 16);
        b.push(b'.');
        push_u64(b, 2 + self.seed(k + 1) % 250);
    }
}

fn manager(res: u8) -> &'static str {
    match res {
        R_PODS | R_NODES | R_LEASES => "kubelet",
        R_DEPLOYMENTS | R_CONFIGMAPS | R_SERVICES | R_INGRESSES => "argocd-controller",
        _ => "kube-controller-manager",
    }
}

/// The app a generated name starts with.
fn app_of(name: &str) -> &'static str {
    APPS.iter()
        .copied()
        .filter(|a| name.starts_with(a))
        .max_by_key(|a| a.len())
        .unwrap_or("app")
}

fn write_bodies(w: &World, clock: &Clock, b: &mut Vec<u8>, r: &Req) {
    if r.level == Level::Metadata || r.res == NON_RESOURCE || r.outcome.denied() {
        return;
    }
    let name = name_of(w, r);
    let ctx = Body {
        w,
        clock,
        r,
        name,
        ns: if r.ns == NO_NS {
            ""
        } else {
            NAMESPACES[usize::from(r.ns)]
        },
        app: app_of(name),
    };
    if r.verb.writes() && r.sub != "exec" && r.res != R_TOKENREVIEWS {
        push(b, r#","requestObject":"#);
        if r.verb == Verb::Patch {
            write_patch(&ctx, b);
        } else {
            write_object(&ctx, b, false);
        }
    }
    if r.level == Level::RequestResponse
        && r.outcome.success()
        && r.sub != "exec"
        && !matches!(r.res, R_TOKENREVIEWS | R_SERVICEACCOUNTS)
    {
        match r.verb {
            Verb::Create | Verb::Update | Verb::Patch | Verb::Get => {
                push(b, r#","responseObject":"#);
                write_object(&ctx, b, true);
            }
            Verb::Delete => {
                push(
                    b,
                    r#","responseObject":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"#,
                );
                q(b, name);
                push(b, r#","kind":"#);
                q(b, RESOURCES[usize::from(r.res)].plural);
                push(b, r#","uid":""#);
                push_uid(b, ctx.seed(1));
                push(b, r#""}}"#);
            }
            _ => {}
        }
    }
}

/// A patch document (the request body of `patch`).
fn write_patch(c: &Body<'_>, b: &mut Vec<u8>) {
    let r = c.r;
    match (r.res, r.sub) {
        (R_PODS, "status") => {
            push(b, r#"{"metadata":{"uid":""#);
            push_uid(b, c.seed(1));
            push(
                b,
                r#""},"status":{"$setElementOrder/conditions":[{"type":"Initialized"},{"type":"Ready"},{"type":"ContainersReady"},{"type":"PodScheduled"}],"conditions":[{"lastTransitionTime":"#,
            );
            q_time(c.clock, b, r.received);
            push(
                b,
                r#","status":"True","type":"Ready"},{"lastTransitionTime":"#,
            );
            q_time(c.clock, b, r.received);
            push(
                b,
                r#","status":"True","type":"ContainersReady"}],"containerStatuses":[{"containerID":"containerd://"#,
            );
            push_hex(b, u128::from(c.seed(6)) << 64 | u128::from(c.seed(7)), 32);
            push_hex(b, u128::from(c.seed(8)) << 64 | u128::from(c.seed(9)), 32);
            push(b, r#"","image":"#);
            c.image(b);
            push(
                b,
                r#","imageID":"123456789012.dkr.ecr.us-east-1.amazonaws.com/"#,
            );
            push(b, c.app);
            push(b, "@sha256:");
            push_hex(b, u128::from(c.seed(10)) << 64 | u128::from(c.seed(11)), 32);
            push_hex(b, u128::from(c.seed(12)) << 64 | u128::from(c.seed(13)), 32);
            push(
                b,
                r#"","lastState":{},"name":"app","ready":true,"restartCount":0,"started":true,"state":{"running":{"startedAt":"#,
            );
            q_time(c.clock, b, r.received - 4 * SEC_US);
            push(b, r#"}}}],"phase":"Running","podIP":""#);
            c.pod_ip(b, 14);
            push(b, r#"","podIPs":[{"ip":""#);
            c.pod_ip(b, 14);
            push(b, r#""}]}}"#);
        }
        (R_NODES, "status") => {
            push(
                b,
                r#"{"status":{"$setElementOrder/conditions":[{"type":"MemoryPressure"},{"type":"DiskPressure"},{"type":"PIDPressure"},{"type":"Ready"}],"conditions":["#,
            );
            for (i, t) in ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
                .iter()
                .enumerate()
            {
                if i > 0 {
                    b.push(b',');
                }
                push(b, r#"{"lastHeartbeatTime":"#);
                q_time(c.clock, b, r.received);
                push(b, r#","type":"#);
                q(b, t);
                b.push(b'}');
            }
            push(b, "]}}");
        }
        (_, "scale") => {
            push(b, r#"{"spec":{"replicas":"#);
            push_u64(b, 1 + c.seed(15) % 8);
            push(b, "}}");
        }
        (R_DEPLOYMENTS, _) => {
            push(
                b,
                r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":""#,
            );
            c.clock.push(b, r.received - 1_234_567, false);
            push(b, r#""}}}}}"#);
        }
        (R_NODES, _) => {
            push(
                b,
                r#"{"spec":{"taints":[{"effect":"NoSchedule","key":"node.kubernetes.io/unschedulable","timeAdded":"#,
            );
            q_time(c.clock, b, r.received);
            push(b, "}]}}");
        }
        (R_PODS, _) => {
            push(
                b,
                r#"{"metadata":{"annotations":{"vpc.amazonaws.com/pod-ips":""#,
            );
            c.pod_ip(b, 14);
            push(b, r#""}}}"#);
        }
        (R_APPLICATIONS, _) => {
            push(b, r#"{"status":{"reconciledAt":"#);
            q_time(c.clock, b, r.received);
            push(b, r#","sync":{"revision":""#);
            push_hex(b, u128::from(c.seed(16)) << 64 | u128::from(c.seed(17)), 32);
            push_hex(b, u128::from(c.seed(18)), 8);
            push(b, r#"","status":"Synced"}}}"#);
        }
        _ => {
            push(
                b,
                r#"{"metadata":{"labels":{"app.kubernetes.io/version":"v1."#,
            );
            push_u64(b, c.seed(3) % 20);
            push(b, r#".0"}}}"#);
        }
    }
}

/// A whole object: the request body of create/update (`full` = false for creates), or the
/// response body.
fn write_object(c: &Body<'_>, b: &mut Vec<u8>, response: bool) {
    let r = c.r;
    let full = response || r.verb != Verb::Create;
    match (r.res, r.sub) {
        (R_SSAR, _) => write_ssar(c, b, response),
        (R_SSRR, _) => write_ssrr(c, b, response),
        (R_SERVICEACCOUNTS, "token") => {
            push(
                b,
                r#"{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","metadata":{"name":"#,
            );
            q(b, c.name);
            push(b, r#","namespace":"#);
            q(b, c.ns);
            push(
                b,
                r#","creationTimestamp":null},"spec":{"audiences":["https://kubernetes.default.svc"],"expirationSeconds":3607,"boundObjectRef":{"kind":"Pod","apiVersion":"v1","name":"#,
            );
            b.push(b'"');
            push(b, c.name);
            b.push(b'-');
            push_hex(b, u128::from(c.seed(19)), 5);
            push(b, r#"","uid":""#);
            push_uid(b, c.seed(20));
            push(
                b,
                r#""}},"status":{"token":"","expirationTimestamp":null}}"#,
            );
        }
        (R_PODS, "binding") => {
            if response {
                push(
                    b,
                    r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","code":201}"#,
                );
            } else {
                push(
                    b,
                    r#"{"kind":"Binding","apiVersion":"v1","metadata":{"name":"#,
                );
                q(b, c.name);
                push(b, r#","namespace":"#);
                q(b, c.ns);
                push(b, r#","uid":""#);
                push_uid(b, c.seed(1));
                push(
                    b,
                    r#"","creationTimestamp":null},"target":{"kind":"Node","name":"#,
                );
                q(b, c.node());
                push(b, "}}");
            }
        }
        (R_PODS, _) => write_pod(c, b, full, response),
        (R_NODES, _) => write_node(c, b),
        (_, "scale") => {
            push(
                b,
                r#"{"kind":"Scale","apiVersion":"autoscaling/v1","metadata":{"name":"#,
            );
            q(b, c.name);
            push(b, r#","namespace":"#);
            q(b, c.ns);
            push(b, r#","uid":""#);
            push_uid(b, c.seed(1));
            push(b, r#"","resourceVersion":""#);
            push_u64(b, resource_version(c.clock, r));
            push(b, r#"","creationTimestamp":"#);
            q_time(c.clock, b, c.clock.start_us);
            let replicas = 1 + c.seed(15) % 8;
            push(b, r#"},"spec":{"replicas":"#);
            push_u64(b, replicas);
            push(b, r#"},"status":{"replicas":"#);
            push_u64(b, replicas);
            push(b, r#","selector":"app.kubernetes.io/name="#);
            push(b, c.app);
            push(b, r#""}}"#);
        }
        (R_DEPLOYMENTS | R_REPLICASETS | R_STATEFULSETS | R_DAEMONSETS, _) => {
            write_workload(c, b, full);
        }
        (R_CONFIGMAPS, _) => write_configmap(c, b, full),
        (R_LEASES, _) => write_lease(c, b, full),
        (R_EVENTS, _) => write_k8s_event(c, b),
        (R_ENDPOINTSLICES, _) => write_endpointslice(c, b, full),
        _ => {
            b.push(b'{');
            c.head(b, full);
            push(b, r#","spec":{}"#);
            if !r.sub.is_empty() {
                push(b, r#","status":{"observedGeneration":"#);
                push_u64(b, 1 + c.seed(21) % 40);
                b.push(b'}');
            }
            b.push(b'}');
        }
    }
}

fn write_ssar(c: &Body<'_>, b: &mut Vec<u8>, response: bool) {
    let (verb, res, sub, ns) = PROBES[(c.seed(22) % PROBES.len() as u64) as usize];
    let def = &RESOURCES[usize::from(res)];
    push(
        b,
        r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"#,
    );
    if ns != NO_NS && def.namespaced {
        push(b, r#""namespace":"#);
        let ns = if ns == ANY_NS {
            APP_NAMESPACES[(c.seed(23) % APP_NAMESPACES.len() as u64) as usize]
        } else {
            ns
        };
        q(b, NAMESPACES[usize::from(ns)]);
        b.push(b',');
    }
    push(b, r#""verb":"#);
    q(b, verb.as_str());
    if !def.group.is_empty() {
        push(b, r#","group":"#);
        q(b, def.group);
    }
    push(b, r#","resource":"#);
    q(b, def.plural);
    if !sub.is_empty() {
        push(b, r#","subresource":"#);
        q(b, sub);
    }
    push(b, r#"}},"status":{"allowed":"#);
    let attacker = c.r.ua == c.w.ua_curl || c.r.ua == c.w.ua_python;
    if response && !attacker {
        push(b, r#"true,"reason":""#);
        let reason = c.w.actors[c.r.actor as usize].reason;
        push(b, &c.w.reasons[usize::from(reason)]);
        push(b, r#""}}"#);
    } else {
        push(b, "false}}");
    }
}

fn write_ssrr(c: &Body<'_>, b: &mut Vec<u8>, response: bool) {
    push(
        b,
        r#"{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"namespace":"#,
    );
    let home = c.w.actors[c.r.actor as usize].home;
    q(b, NAMESPACES[usize::from(home)]);
    if !response {
        push(
            b,
            r#"},"status":{"resourceRules":null,"nonResourceRules":null,"incomplete":false}}"#,
        );
        return;
    }
    push(
        b,
        r#"},"status":{"resourceRules":[{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectaccessreviews","selfsubjectrulesreviews"]},{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["configmaps","pods"]},{"verbs":["get","update"],"apiGroups":["coordination.k8s.io"],"resources":["leases"]},{"verbs":["create"],"apiGroups":["authentication.k8s.io"],"resources":["selfsubjectreviews"]}],"nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/healthz","/livez","/readyz","/version","/version/"]},{"verbs":["get"],"nonResourceURLs":["/api","/api/*","/apis","/apis/*","/healthz","/livez","/openapi","/openapi/*","/readyz","/version","/version/"]}],"incomplete":false}}"#,
    );
}

fn write_pod(c: &Body<'_>, b: &mut Vec<u8>, full: bool, response: bool) {
    let token_volume = c.seed(24);
    b.push(b'{');
    c.head(b, full);
    push(b, r#","spec":{"volumes":[{"name":"kube-api-access-"#);
    push_hex(b, u128::from(token_volume), 5);
    push(
        b,
        r#"","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],"containers":[{"name":"app","image":"#,
    );
    c.image(b);
    push(
        b,
        r#","ports":[{"containerPort":8080,"protocol":"TCP"}],"resources":{"limits":{"memory":"512Mi"},"requests":{"cpu":"100m","memory":"256Mi"}},"volumeMounts":[{"name":"kube-api-access-"#,
    );
    push_hex(b, u128::from(token_volume), 5);
    push(
        b,
        r#"","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","#,
    );
    if response {
        push(b, r#""nodeName":"#);
        q(b, c.node());
        b.push(b',');
    }
    push(
        b,
        r#""securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},"status":{"#,
    );
    if response {
        push(
            b,
            r#""phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"#,
        );
        q_time(c.clock, b, c.r.received - 30 * SEC_US);
        push(
            b,
            r#"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"#,
        );
        q_time(c.clock, b, c.r.received - 40 * SEC_US);
        push(b, r#"}],"hostIP":"10.0.1."#);
        push_u64(b, 10 + c.seed(25) % 240);
        push(b, r#"","podIP":""#);
        c.pod_ip(b, 14);
        push(b, r#"","startTime":"#);
        q_time(c.clock, b, c.r.received - 40 * SEC_US);
        push(b, r#","qosClass":"Burstable"}}"#);
    } else {
        push(b, r#""phase":"Pending","qosClass":"Burstable"}}"#);
    }
}

fn write_node(c: &Body<'_>, b: &mut Vec<u8>) {
    let node = if c.name.is_empty() { c.node() } else { c.name };
    push(b, r#"{"kind":"Node","apiVersion":"v1","metadata":{"name":"#);
    q(b, node);
    push(b, r#","uid":""#);
    push_uid(b, c.seed(1));
    push(b, r#"","resourceVersion":""#);
    push_u64(b, resource_version(c.clock, c.r) + 3);
    push(b, r#"","creationTimestamp":"#);
    q_time(c.clock, b, c.clock.start_us - 12 * DAY_US);
    push(
        b,
        r#","labels":{"kubernetes.io/arch":"amd64","kubernetes.io/hostname":"#,
    );
    q(b, node);
    push(
        b,
        r#","kubernetes.io/os":"linux","node.kubernetes.io/instance-type":"m6i.xlarge","topology.kubernetes.io/region":"us-east-1","topology.kubernetes.io/zone":"us-east-1a"}},"spec":{"providerID":"aws:///us-east-1a/i-0"#,
    );
    push_hex(b, u128::from(c.seed(26)), 16);
    push(
        b,
        r#""},"status":{"capacity":{"cpu":"4","ephemeral-storage":"83873772Ki","memory":"16181244Ki","pods":"58"},"allocatable":{"cpu":"3920m","ephemeral-storage":"76224326324","memory":"15164412Ki","pods":"58"},"conditions":["#,
    );
    for (i, (t, status, reason)) in [
        ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
        ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
        ("PIDPressure", "False", "KubeletHasSufficientPID"),
        ("Ready", "True", "KubeletReady"),
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            b.push(b',');
        }
        push(b, r#"{"type":"#);
        q(b, t);
        push(b, r#","status":"#);
        q(b, status);
        push(b, r#","lastHeartbeatTime":"#);
        q_time(c.clock, b, c.r.received);
        push(b, r#","reason":"#);
        q(b, reason);
        b.push(b'}');
    }
    push(b, r#"],"addresses":[{"type":"Hostname","address":"#);
    q(b, node);
    push(
        b,
        r#"}],"nodeInfo":{"kernelVersion":"5.10.210-201.852.amzn2.x86_64","osImage":"Amazon Linux 2","containerRuntimeVersion":"containerd://1.7.11","kubeletVersion":"v1.29.3-eks-ae9a62a","operatingSystem":"linux","architecture":"amd64"}}}"#,
    );
}

fn write_workload(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
    let replicas = 1 + c.seed(15) % 6;
    b.push(b'{');
    c.head(b, full);
    push(b, r#","spec":{"replicas":"#);
    push_u64(b, replicas);
    push(
        b,
        r#","selector":{"matchLabels":{"app.kubernetes.io/name":"#,
    );
    q(b, c.app);
    push(
        b,
        r#"}},"template":{"metadata":{"creationTimestamp":null,"labels":{"app.kubernetes.io/name":"#,
    );
    q(b, c.app);
    push(b, r#"}},"spec":{"containers":[{"name":"app","image":"#);
    c.image(b);
    push(
        b,
        r#","resources":{"requests":{"cpu":"100m","memory":"256Mi"}},"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"IfNotPresent"}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","securityContext":{},"schedulerName":"default-scheduler"}}},"status":{"observedGeneration":"#,
    );
    push_u64(b, 1 + c.seed(21) % 40);
    push(b, r#","replicas":"#);
    push_u64(b, replicas);
    push(b, r#","readyReplicas":"#);
    push_u64(b, replicas);
    push(b, r#","availableReplicas":"#);
    push_u64(b, replicas);
    push(b, "}}");
}

/// Configuration snippets a ConfigMap holds (a few hundred bytes to a couple of KB).
const CONFIG_ENTRIES: &[(&str, &str)] = &[
    ("LOG_LEVEL", "info"),
    ("HTTP_PORT", "8080"),
    ("FEATURE_FLAGS", "new-checkout,fast-search,async-export"),
    ("DATABASE_HOST", "postgres.data-pipeline.svc.cluster.local"),
    (
        "application.yaml",
        r"server:\n  port: 8080\n  shutdown: graceful\nmanagement:\n  endpoints:\n    web:\n      exposure:\n        include: health,info,prometheus\nspring:\n  datasource:\n    url: jdbc:postgresql://postgres:5432/app\n    hikari:\n      maximum-pool-size: 20\n",
    ),
    (
        "nginx.conf",
        r"worker_processes auto;\nevents { worker_connections 1024; }\nhttp {\n  server {\n    listen 8080;\n    location / { proxy_pass http://127.0.0.1:9000; }\n    location /healthz { return 200; }\n  }\n}\n",
    ),
    ("CACHE_TTL_SECONDS", "300"),
    (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "http://otel-collector.monitoring.svc:4317",
    ),
];

fn write_configmap(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
    b.push(b'{');
    c.head(b, full);
    push(b, r#","data":{"#);
    let first = (c.seed(27) % CONFIG_ENTRIES.len() as u64) as usize;
    let count = 1 + (c.seed(28) % CONFIG_ENTRIES.len() as u64) as usize;
    for i in 0..count {
        let (k, v) = CONFIG_ENTRIES[(first + i) % CONFIG_ENTRIES.len()];
        if i > 0 {
            b.push(b',');
        }
        q(b, k);
        b.push(b':');
        q(b, v);
    }
    push(b, "}}");
}

fn write_lease(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
    let node_lease = c.r.ns == NS_NODE_LEASE;
    b.push(b'{');
    c.head(b, full);
    push(b, r#","spec":{"holderIdentity":""#);
    push(b, c.name);
    if !node_lease {
        b.push(b'_');
        push_uid(b, c.seed(29));
    }
    push(b, r#"","leaseDurationSeconds":"#);
    push(b, if node_lease { "40" } else { "15" });
    if !node_lease {
        push(b, r#","acquireTime":""#);
        c.clock.push(
            b,
            (c.r.received - 3 * 3600 * SEC_US).max(c.clock.start_us),
            true,
        );
        b.push(b'"');
    }
    push(b, r#","renewTime":""#);
    c.clock.push(b, c.r.received, true);
    b.push(b'"');
    if !node_lease {
        push(b, r#","leaseTransitions":"#);
        push_u64(b, c.seed(30) % 12);
    }
    push(b, "}}");
}

/// Kubernetes `Event` objects (what kubelets and controllers create).
const K8S_EVENTS: &[(&str, &str, &str)] = &[
    (
        "Normal",
        "Pulled",
        r#"Container image \"public.ecr.aws/docker/library/nginx:1.25\" already present on machine"#,
    ),
    ("Normal", "Created", "Created container app"),
    ("Normal", "Started", "Started container app"),
    (
        "Normal",
        "Scheduled",
        "Successfully assigned the pod to a node",
    ),
    (
        "Normal",
        "SuccessfulCreate",
        "Created pod from the replica set template",
    ),
    (
        "Warning",
        "Unhealthy",
        "Readiness probe failed: HTTP probe failed with statuscode: 503",
    ),
    (
        "Warning",
        "BackOff",
        "Back-off restarting failed container app",
    ),
];

fn write_k8s_event(c: &Body<'_>, b: &mut Vec<u8>) {
    let (kind, reason, message) = K8S_EVENTS[(c.seed(31) % K8S_EVENTS.len() as u64) as usize];
    let pod = c.name.split('.').next().unwrap_or(c.name);
    let node = c.node();
    push(
        b,
        r#"{"kind":"Event","apiVersion":"v1","metadata":{"name":"#,
    );
    q(b, c.name);
    push(b, r#","namespace":"#);
    q(b, c.ns);
    push(
        b,
        r#","creationTimestamp":null},"involvedObject":{"kind":"Pod","namespace":"#,
    );
    q(b, c.ns);
    push(b, r#","name":"#);
    q(b, pod);
    push(b, r#","uid":""#);
    push_uid(b, c.seed(32));
    push(b, r#"","apiVersion":"v1","resourceVersion":""#);
    push_u64(b, resource_version(c.clock, c.r) - 40);
    push(b, r#"","fieldPath":"spec.containers{app}"},"reason":"#);
    q(b, reason);
    push(b, r#","message":"#);
    q(b, message);
    push(b, r#","source":{"component":"kubelet","host":"#);
    q(b, node);
    push(b, r#"},"firstTimestamp":"#);
    q_time(c.clock, b, c.r.received);
    push(b, r#","lastTimestamp":"#);
    q_time(c.clock, b, c.r.received);
    push(b, r#","count":1,"type":"#);
    q(b, kind);
    push(
        b,
        r#","eventTime":null,"reportingComponent":"kubelet","reportingInstance":"#,
    );
    q(b, node);
    b.push(b'}');
}

fn write_endpointslice(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
    b.push(b'{');
    c.head(b, full);
    push(b, r#","addressType":"IPv4","endpoints":["#);
    let n = 1 + c.seed(33) % 4;
    for i in 0..n {
        if i > 0 {
            b.push(b',');
        }
        push(b, r#"{"addresses":[""#);
        c.pod_ip(b, 40 + 2 * i);
        push(
            b,
            r#""],"conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"#,
        );
        q(
            b,
            &c.w.nodes[((c.seed(50 + i)) % c.w.nodes.len() as u64) as usize],
        );
        push(b, r#","targetRef":{"kind":"Pod","namespace":"#);
        q(b, c.ns);
        push(b, r#","name":"#);
        b.push(b'"');
        push(b, c.app);
        b.push(b'-');
        push_hex(b, u128::from(c.seed(60 + i)), 5);
        push(b, r#"","uid":""#);
        push_uid(b, c.seed(70 + i));
        push(b, r#""}}"#);
    }
    push(
        b,
        r#"],"ports":[{"name":"http","protocol":"TCP","port":8080}]}"#,
    );
}
#[cfg(test)]
mod tests {
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
                    s(e, "/annotations/authorization.k8s.io~1decision")
                        .eq_ignore_ascii_case("forbid")
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
}
