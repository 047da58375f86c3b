//! The generator's model as data: `src/synth/model.toml` is compiled in, parsed once and
//! checked here, then handed to the planner as a [`Model`] whose cross references are resolved
//! to indices.
//!
//! The file names everything by name (namespaces, resources, accounts, paths) so it can be read
//! and tuned without counting; this module turns names into the small indices the hot loop
//! uses, and every error it reports names the entry that is wrong (`workload "coredns": op
//! "watch podz all 4": unknown resource "podz"`). The unit tests run the same checks, so a bad
//! edit fails `cargo test` before it can fail a run.

mod file;
mod names;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use file::File;
use names::Names;

use super::prim::Verb;

/// The model file, compiled in.
const MODEL_TOML: &str = include_str!("../model.toml");

/// "No namespace" in a request.
pub(super) const NO_NS: u8 = u8::MAX;
/// A random namespace, drawn when a probe is planned.
pub(super) const ANY_NS: u8 = u8::MAX - 1;
/// A non-resource request (`/healthz`, ...): no `objectRef`.
pub(super) const NON_RESOURCE: u8 = u8::MAX;

/// Subresources the renderer knows; ops may only use these (it keeps `&'static str` in `Op`).
const SUBRESOURCES: &[&str] = &["status", "scale", "log", "exec", "token", "binding"];

/// A broken model file: which entry, and what is wrong with it.
#[derive(Debug, thiserror::Error)]
#[error("generator model (src/synth/model.toml): {0}")]
pub struct ModelError(String);

fn err<T>(msg: String) -> Result<T, ModelError> {
    Err(ModelError(msg))
}

/// Resources the generator renders or plans specially; every one must be in the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Pods,
    Services,
    ConfigMaps,
    Secrets,
    ServiceAccounts,
    Events,
    Namespaces,
    Nodes,
    Pvcs,
    Pvs,
    Deployments,
    ReplicaSets,
    StatefulSets,
    DaemonSets,
    Leases,
    Ingresses,
    EndpointSlices,
    Ssar,
    Ssrr,
    TokenReviews,
    Applications,
    CsiNodes,
    VolumeAttachments,
    /// Anything else: named after the apps, rendered generically.
    Other,
}

const ROLES: &[(&str, Role)] = &[
    ("pods", Role::Pods),
    ("services", Role::Services),
    ("configmaps", Role::ConfigMaps),
    ("secrets", Role::Secrets),
    ("serviceaccounts", Role::ServiceAccounts),
    ("events", Role::Events),
    ("namespaces", Role::Namespaces),
    ("nodes", Role::Nodes),
    ("persistentvolumeclaims", Role::Pvcs),
    ("persistentvolumes", Role::Pvs),
    ("deployments", Role::Deployments),
    ("replicasets", Role::ReplicaSets),
    ("statefulsets", Role::StatefulSets),
    ("daemonsets", Role::DaemonSets),
    ("leases", Role::Leases),
    ("ingresses", Role::Ingresses),
    ("endpointslices", Role::EndpointSlices),
    ("selfsubjectaccessreviews", Role::Ssar),
    ("selfsubjectrulesreviews", Role::Ssrr),
    ("tokenreviews", Role::TokenReviews),
    ("applications", Role::Applications),
    ("csinodes", Role::CsiNodes),
    ("volumeattachments", Role::VolumeAttachments),
];

/// Namespaces the planner and renderer refer to by name.
const KNOWN_NAMESPACES: &[&str] = &[
    "kube-system",
    "kube-node-lease",
    "default",
    "payments",
    "data-pipeline",
    "team-b",
];

/// Where an operation lands.
#[derive(Debug, Clone, Copy)]
pub(super) enum Scope {
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

/// One thing an actor does, with its weight among the actor's operations.
#[derive(Debug, Clone, Copy)]
pub(super) struct Op {
    pub verb: Verb,
    pub res: u8,
    pub sub: &'static str,
    pub scope: Scope,
    /// Non-resource path index when `res` is [`NON_RESOURCE`].
    pub path: u8,
    pub weight: u32,
}

/// A refused request: verb, resource, subresource, namespace ([`NO_NS`] for the cluster scope,
/// [`ANY_NS`] for a random one).
pub(super) type Probe = (Verb, u8, &'static str, u8);

pub(super) struct ResDef {
    pub plural: String,
    pub group: String,
    pub version: String,
    pub namespaced: bool,
    pub kind: String,
    pub role: Role,
    /// Fixed object names from `[names]` (empty when none).
    pub names: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum RbacScope {
    Cluster,
    Namespace,
}

pub(super) struct Workload {
    pub ns: u8,
    pub sa: String,
    pub app: String,
    pub pods: usize,
    pub ua: String,
    pub rbac: RbacScope,
    pub weight: u32,
    pub stealable: bool,
    pub ops: Vec<Op>,
}

/// A caller with a plain user (no service-account token).
pub(super) struct Plain {
    pub username: String,
    /// The groups as a JSON array.
    pub groups: String,
    pub ns: u8,
    pub ip: String,
    pub ua: String,
    pub reason: String,
    pub weight: u32,
    pub ops: Vec<Op>,
    /// Control plane: the user has a uid; its own lease name ("apiserver-*": the generated one).
    pub uid: bool,
    pub lease: String,
    /// Humans: also runs the admin operations.
    pub admin: bool,
}

/// The resolved model.
pub(super) struct Model {
    /// Background shares per 10 000 by kind, in `Kind` order.
    pub shares: [u32; 6],
    pub hourly: Vec<f64>,
    pub weekend: f64,
    pub nodes: u64,
    pub namespaces: Vec<String>,
    pub app_namespaces: Vec<u8>,
    pub paths: Vec<String>,
    pub apps: Vec<String>,
    pub resources: Vec<ResDef>,
    role_ids: Vec<u8>,
    pub ns_kube_system: u8,
    pub ns_node_lease: u8,
    pub ns_default: u8,
    pub ns_payments: u8,
    pub ns_data: u8,
    pub ns_team_b: u8,
    pub path_version: u8,
    pub controller_ip: String,
    pub controller_ua: String,
    pub controller_weight: u32,
    pub controllers: Vec<(String, Vec<Op>)>,
    pub workloads: Vec<Workload>,
    pub kubelet: Plain,
    pub control_plane: Vec<Plain>,
    pub humans: Vec<Plain>,
    pub human_ops: Vec<Op>,
    pub admin_ops: Vec<Op>,
    pub anonymous: Plain,
    pub plural_lookalike: Plain,
    pub case_lookalike: Plain,
    pub reason_basic_user: String,
    pub reason_public_info: String,
    /// Cumulative denial-category weights (see `plan_denial`).
    pub denial_cum: [u64; 8],
    pub impersonating: f64,
    pub sa_strays: Vec<Probe>,
    pub human_strays: Vec<Probe>,
    pub anonymous_strays: Vec<Probe>,
    pub scanner_paths: Vec<u8>,
    pub broken: Vec<(String, Probe)>,
    pub impersonated: Vec<String>,
    pub admin: String,
    pub developer: String,
    pub impersonation_rate: f64,
    pub attacker_ips: Vec<String>,
    pub attacker_uas: [String; 2],
    pub attack_denials: (u64, u64),
    pub attack_allowed: (u64, u64),
    pub attack_seconds: (u64, u64),
    pub scanner_ips: Vec<String>,
    pub scanner_ua: String,
    pub probes: Vec<Probe>,
}

impl Model {
    /// The index of a resource the generator knows by name.
    pub fn id(&self, role: Role) -> u8 {
        self.role_ids[role as usize]
    }

    /// What the generator knows about a resource index ([`Role::Other`] for non-resources).
    pub fn role(&self, res: u8) -> Role {
        self.resources
            .get(usize::from(res))
            .map_or(Role::Other, |d| d.role)
    }

    pub fn ns_name(&self, ns: u8) -> &str {
        self.namespaces
            .get(usize::from(ns))
            .map_or("", String::as_str)
    }

    pub fn res(&self, res: u8) -> &ResDef {
        &self.resources[usize::from(res)]
    }
}

static MODEL: LazyLock<Result<Model, ModelError>> = LazyLock::new(|| parse(MODEL_TOML));

/// The built-in model, parsed and checked on first use.
pub(super) fn model() -> Result<&'static Model, &'static ModelError> {
    MODEL.as_ref()
}

fn range(what: &str, (lo, hi): (u64, u64), min: u64) -> Result<(u64, u64), ModelError> {
    if lo < min || hi < lo {
        return err(format!(
            "{what}: [{lo}, {hi}] must be a range [low, high] with low >= {min}"
        ));
    }
    Ok((lo, hi))
}

/// Parses and checks a model file.
pub(super) fn parse(text: &str) -> Result<Model, ModelError> {
    let f: File = toml::from_str(text).map_err(|e| ModelError(e.to_string()))?;
    let c = f.cluster;
    for (what, list) in [
        ("cluster.namespaces", &c.namespaces),
        ("cluster.paths", &c.paths),
        ("cluster.apps", &c.apps),
    ] {
        if list.is_empty() {
            return err(format!("{what}: is empty"));
        }
        for (i, name) in list.iter().enumerate() {
            if list[..i].contains(name) {
                return err(format!("{what}: {name:?} is listed twice"));
            }
        }
    }
    if c.namespaces.len() >= usize::from(ANY_NS) || c.resources.len() >= usize::from(NON_RESOURCE) {
        return err("cluster: too many namespaces or resources (at most 253)".to_owned());
    }
    for ns in &c.namespaces {
        if matches!(ns.as_str(), "home" | "any" | "all" | "own") {
            return err(format!(
                "cluster.namespaces: {ns:?} is a scope keyword, not a usable namespace name"
            ));
        }
    }
    if c.nodes == 0 {
        return err("cluster.nodes: must be at least 1".to_owned());
    }
    let mut resources = Vec::new();
    for r in c.resources {
        if resources.iter().any(|d: &ResDef| d.plural == r.plural) {
            return err(format!("cluster.resources: {:?} is listed twice", r.plural));
        }
        let role = ROLES
            .iter()
            .find(|(p, _)| *p == r.plural)
            .map_or(Role::Other, |(_, role)| *role);
        resources.push(ResDef {
            plural: r.plural,
            group: r.group,
            version: r.version,
            namespaced: r.namespaced,
            kind: r.kind,
            role,
            names: Vec::new(),
        });
    }
    let mut role_ids = vec![0u8; Role::Other as usize];
    for (plural, role) in ROLES {
        let Some(i) = resources.iter().position(|d| d.plural == *plural) else {
            return err(format!(
                "cluster.resources: {plural:?} is missing (the generator plans or renders it)"
            ));
        };
        role_ids[*role as usize] = i as u8;
    }
    let mut fixed: Vec<(String, Vec<String>)> = f.names.into_iter().collect();
    fixed.sort_by(|a, b| a.0.cmp(&b.0));
    for (plural, names) in fixed {
        let Some(d) = resources.iter_mut().find(|d| d.plural == plural) else {
            return err(format!("names.{plural}: unknown resource {plural:?}"));
        };
        if names.is_empty() {
            return err(format!("names.{plural}: is empty"));
        }
        d.names = names;
    }
    let n = Names {
        namespaces: &c.namespaces,
        resources: &resources,
        paths: &c.paths,
    };
    let app_namespaces = c
        .app_namespaces
        .iter()
        .map(|name| {
            n.ns(name)
                .map_err(|e| ModelError(format!("cluster.app_namespaces: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if app_namespaces.is_empty() {
        return err("cluster.app_namespaces: is empty".to_owned());
    }
    let known_ns = KNOWN_NAMESPACES
        .iter()
        .map(|name| {
            n.ns(name).map_err(|_| {
                ModelError(format!(
                    "cluster.namespaces: {name:?} is missing (the generator's stories use it)"
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let path_version = n.path("/version").map_err(|e| {
        ModelError(format!(
            "cluster.paths: {e} (the attack story starts with it)"
        ))
    })?;

    let s = f.shares;
    let shares = [
        s.service_account,
        s.node,
        s.control_plane,
        s.human,
        s.anonymous,
        0,
    ];
    if shares.iter().all(|s| *s == 0) {
        return err("shares: all zero".to_owned());
    }
    if f.rhythm.hourly.len() != 24 || f.rhythm.hourly.iter().any(|w| w.is_nan() || *w <= 0.0) {
        return err("rhythm.hourly: needs 24 weights, each above zero".to_owned());
    }
    if f.rhythm.weekend.is_nan() || f.rhythm.weekend <= 0.0 {
        return err("rhythm.weekend: must be above zero".to_owned());
    }

    let co = f.controllers;
    if co.weight == 0 {
        return err("controllers.weight: is zero".to_owned());
    }
    let controllers = co
        .controller
        .into_iter()
        .map(|c| {
            let ops = n.ops(&format!("controller {:?}", c.name), &c.ops)?;
            Ok((c.name, ops))
        })
        .collect::<Result<Vec<_>, ModelError>>()?;

    let mut workloads = Vec::new();
    for w in f.workload {
        let what = format!("workload {:?}", w.service_account);
        let ns = n
            .ns(&w.namespace)
            .map_err(|e| ModelError(format!("{what}: {e}")))?;
        let rbac = match w.rbac.as_str() {
            "cluster" => RbacScope::Cluster,
            "namespace" => RbacScope::Namespace,
            other => {
                return err(format!(
                    "{what}: rbac {other:?} is neither \"cluster\" nor \"namespace\""
                ));
            }
        };
        if w.weight == 0 {
            return err(format!("{what}: weight is zero"));
        }
        let ops = n.ops(&what, &w.ops)?;
        workloads.push(Workload {
            ns,
            sa: w.service_account,
            app: w.app,
            pods: w.pods,
            ua: w.user_agent,
            rbac,
            weight: w.weight,
            stealable: w.stealable,
            ops,
        });
    }
    if !workloads.iter().any(|w| w.stealable) {
        return err("workload: none is stealable (the attack story needs one)".to_owned());
    }

    let kubelet = n.plain("kubelet", f.kubelet)?;
    let control_plane = f
        .control_plane
        .into_iter()
        .map(|p| {
            let what = format!("control_plane {:?}", p.username);
            n.plain(&what, p)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let h = f.humans;
    let human_ops = n.ops("humans.ops", &h.ops)?;
    let admin_ops = n.ops("humans.admin_ops", &h.admin_ops)?;
    let mut humans = Vec::new();
    for p in h.human {
        let mut p = n.plain(&format!("humans {:?}", p.username), p)?;
        p.weight = h.weight;
        humans.push(p);
    }
    let anonymous = n.plain("anonymous", f.anonymous)?;
    let plural_lookalike = n.plain("lookalikes.plural", f.lookalikes.plural)?;
    let case_lookalike = n.plain("lookalikes.case", f.lookalikes.case)?;
    for (what, p) in [("kubelet", &kubelet), ("anonymous", &anonymous)]
        .into_iter()
        .chain(control_plane.iter().map(|p| ("control_plane", p)))
    {
        if p.weight == 0 {
            return err(format!("{what} {:?}: weight is zero", p.username));
        }
    }
    if h.weight == 0 {
        return err("humans.weight: is zero".to_owned());
    }
    let users = |name: &str| -> bool { humans.iter().any(|p| p.username == name) };
    let im = f.impersonation;
    for (what, name) in [("admin", &im.admin), ("developer", &im.developer)] {
        if !users(name) {
            return err(format!("impersonation.{what}: no human is named {name:?}"));
        }
    }
    if !humans.iter().any(|p| !p.admin) {
        return err(
            "humans: no developer (admin = false), the background denials need one".to_owned(),
        );
    }
    let service_accounts: Vec<String> = controllers
        .iter()
        .map(|(name, _)| format!("system:serviceaccount:kube-system:{name}"))
        .chain(workloads.iter().map(|w| {
            format!(
                "system:serviceaccount:{}:{}",
                c.namespaces[usize::from(w.ns)],
                w.sa
            )
        }))
        .collect();
    if im.accounts.is_empty() {
        return err("impersonation.accounts: is empty".to_owned());
    }
    for a in &im.accounts {
        if !service_accounts.contains(a) {
            return err(format!(
                "impersonation.accounts: {a:?} is not a controller or workload service account"
            ));
        }
    }

    let d = f.denials;
    let weights = [
        d.broken_rbac,
        d.service_account,
        d.human,
        d.anonymous,
        d.node,
        d.plural_lookalike,
        d.case_lookalike,
        d.odd_case_decision,
    ];
    let mut denial_cum = [0u64; 8];
    let mut total = 0;
    for (cum, w) in denial_cum.iter_mut().zip(weights) {
        total += w;
        *cum = total;
    }
    if total == 0 {
        return err("denials: all category weights are zero".to_owned());
    }
    let mut broken = Vec::new();
    for b in d.broken {
        let what = format!("denials.broken {:?}", b.account);
        if !service_accounts.contains(&b.account) {
            return err(format!(
                "{what}: not a controller or workload service account"
            ));
        }
        let probe = n
            .probe(&b.probe)
            .map_err(|e| ModelError(format!("{what}: {e}")))?;
        broken.push((b.account, probe));
    }
    if broken.is_empty() {
        return err("denials.broken: is empty".to_owned());
    }
    let scanner_paths = d
        .scanner_paths
        .iter()
        .map(|p| {
            n.path(p)
                .map_err(|e| ModelError(format!("denials.scanner_paths: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if scanner_paths.is_empty() {
        return err("denials.scanner_paths: is empty".to_owned());
    }

    let a = f.attack;
    let [ua_a, ua_b] = <[String; 2]>::try_from(a.user_agents)
        .map_err(|_| ModelError("attack.user_agents: needs exactly two".to_owned()))?;
    for (what, list) in [
        ("attack.ips", &a.ips),
        ("attack.scanner_ips", &a.scanner_ips),
    ] {
        if list.is_empty() {
            return err(format!("{what}: is empty"));
        }
    }
    Ok(Model {
        shares,
        hourly: f.rhythm.hourly,
        weekend: f.rhythm.weekend,
        nodes: c.nodes,
        app_namespaces,
        paths: c.paths.clone(),
        apps: c.apps.clone(),
        ns_kube_system: known_ns[0],
        ns_node_lease: known_ns[1],
        ns_default: known_ns[2],
        ns_payments: known_ns[3],
        ns_data: known_ns[4],
        ns_team_b: known_ns[5],
        path_version,
        controller_ip: co.ip,
        controller_ua: co.user_agent,
        controller_weight: co.weight,
        controllers,
        workloads,
        kubelet,
        control_plane,
        humans,
        human_ops,
        admin_ops,
        anonymous,
        plural_lookalike,
        case_lookalike,
        reason_basic_user: f.reasons.basic_user,
        reason_public_info: f.reasons.public_info,
        denial_cum,
        impersonating: d.impersonating,
        sa_strays: n.probes("denials.service_account_strays", &d.service_account_strays)?,
        human_strays: n.probes("denials.human_strays", &d.human_strays)?,
        anonymous_strays: n.probes("denials.anonymous_strays", &d.anonymous_strays)?,
        scanner_paths,
        broken,
        impersonated: im.accounts,
        admin: im.admin,
        developer: im.developer,
        impersonation_rate: im.rate,
        attacker_ips: a.ips,
        attacker_uas: [ua_a, ua_b],
        attack_denials: range("attack.denials", a.denials, 1)?,
        attack_allowed: range("attack.allowed", a.allowed, 1)?,
        attack_seconds: range("attack.seconds", a.seconds, 1)?,
        scanner_ips: a.scanner_ips,
        scanner_ua: a.scanner_user_agent,
        probes: n.probes("attack.probes", &a.probes)?,
        namespaces: c.namespaces,
        resources,
        role_ids,
    })
}
