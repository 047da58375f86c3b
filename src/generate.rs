//! Synthetic Kubernetes audit logs: `audit.k8s.io/v1` events as kube-apiserver writes them, one
//! JSON object per line, optionally wrapped as EKS CloudWatch exports them.
//!
//! The data is built for the "Kubernetes Denied Service Account Request" rule: service-account
//! traffic that is allowed, a background of denials spread over broken RBAC, humans, anonymous
//! callers and nodes, look-alikes the rule must not match, and every day a stolen-token probe
//! that it must match. `docs/generator.md` describes the model for users.
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
    /// Days covered, starting at `start` 00:00 UTC; at least 1.
    pub days: u32,
    /// Seed: the same options and seed always give the same bytes.
    pub seed: u64,
    /// First day (UTC).
    pub start: NaiveDate,
    /// 1 writes raw events; more wraps each line as an EKS CloudWatch export of `prod-1`, `prod-2`, ...
    pub clusters: u32,
    /// Fraction of responses that are authorization denials (0 to 1).
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

    fn day_index(&self, us: i64) -> usize {
        ((us - self.start_us).max(0) / DAY_US) as usize
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
const NS_CATALOG: u8 = 11;
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
