//! The world: who calls the API server, what they do and with which names, built once from
//! the [`Model`] before any request is planned.
//!
//! Building draws from the dice (node names, generated object names, uids, addresses) in a
//! fixed order, so the model file and the seed alone decide the world. Strings a request
//! refers to (addresses, user agents, authorization reasons) are interned once and carried as
//! small indices, which keeps a planned request `Copy` and rendering allocation-free.

use super::model::{Model, Op, Plain, Probe, RbacScope, Role};
use super::prim::{Dice, cumulative, json_inner, json_str, push_hex, uuid_string};

/// Kinds of callers; each gets its share of the background (`[shares]` in the model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    ServiceAccount,
    Node,
    ControlPlane,
    Human,
    Anonymous,
    /// Look-alike user names that never appear in the background mix.
    Odd,
}

pub(super) struct Actor {
    pub(super) kind: Kind,
    pub(super) username: String,
    /// The complete `"user":{...}` member, escaped.
    pub(super) user_json: String,
    /// `{"username":...,"groups":[...]}` for use as `impersonatedUser`.
    pub(super) imp_json: String,
    pub(super) home: u8,
    /// The actor's own object name (node name, lease name) and its namespace.
    pub(super) own_name: String,
    pub(super) own_ns: u8,
    pub(super) ip: u16,
    pub(super) ua: u16,
    pub(super) reason: u16,
    pub(super) ops: Vec<Op>,
    pub(super) op_cum: Vec<u32>,
    pub(super) weight: u32,
}

/// Per-resource strings built once.
pub(super) struct ResInfo {
    /// `/api/v1` or `/apis/apps/v1`.
    pub(super) prefix: String,
    /// `pods`, `deployments.apps`: the form error messages use.
    pub(super) qualified: String,
    pub(super) names: Vec<String>,
}

pub(super) struct World {
    pub(super) m: &'static Model,
    pub(super) actors: Vec<Actor>,
    pub(super) actor_cum: Vec<u32>,
    pub(super) ips: Vec<String>,
    pub(super) uas: Vec<String>,
    /// Authorization reasons, escaped for the inside of a JSON string.
    pub(super) reasons: Vec<String>,
    pub(super) res: Vec<ResInfo>,
    pub(super) nodes: Vec<String>,
    /// Service accounts whose RBAC is broken, each with what it is refused again and again.
    pub(super) broken: Vec<(u32, Probe)>,
    /// Workload service accounts whose token an attacker may steal.
    pub(super) stealable: Vec<u32>,
    pub(super) service_accounts: Vec<u32>,
    /// Humans who are not admins.
    pub(super) developers: Vec<u32>,
    pub(super) node_actors: Vec<u32>,
    pub(super) anonymous: u32,
    pub(super) admin: u32,
    pub(super) developer: u32,
    pub(super) plural_lookalike: u32,
    pub(super) case_lookalike: u32,
    /// Service accounts an admin impersonates.
    pub(super) impersonated: Vec<u32>,
    pub(super) attacker_ips: Vec<u16>,
    pub(super) scanner_ips: Vec<u16>,
    pub(super) ua_scanner: u16,
    pub(super) ua_curl: u16,
    pub(super) ua_python: u16,
    pub(super) reason_none: u16,
    pub(super) reason_basic_user: u16,
    pub(super) reason_public_info: u16,
}

pub(super) const GENERATED_NAME_CHARS: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

pub(super) fn random_suffix(dice: &mut Dice, n: usize) -> String {
    (0..n)
        .map(|_| char::from(*dice.pick(GENERATED_NAME_CHARS)))
        .collect()
}

pub(super) fn random_hex(dice: &mut Dice, digits: u32) -> String {
    let mut b = Vec::new();
    push_hex(&mut b, dice.uuid(), digits);
    String::from_utf8_lossy(&b).into_owned()
}

/// Builds the [`World`], interning strings as it goes.
pub(super) struct Builder<'a> {
    pub(super) m: &'static Model,
    pub(super) dice: &'a mut Dice,
    pub(super) ips: Vec<String>,
    pub(super) uas: Vec<String>,
    pub(super) reasons: Vec<String>,
    pub(super) actors: Vec<Actor>,
    pub(super) nodes: Vec<String>,
}

pub(super) fn intern(pool: &mut Vec<String>, s: String) -> u16 {
    if let Some(i) = pool.iter().position(|p| *p == s) {
        return i as u16;
    }
    pool.push(s);
    (pool.len() - 1) as u16
}

impl Builder<'_> {
    pub(super) fn ip(&mut self, s: String) -> u16 {
        intern(&mut self.ips, s)
    }

    pub(super) fn ua(&mut self, s: &str) -> u16 {
        intern(&mut self.uas, json_inner(s))
    }

    pub(super) fn reason(&mut self, s: &str) -> u16 {
        intern(&mut self.reasons, json_inner(s))
    }

    pub(super) fn pod_ip(&mut self) -> u16 {
        let s = format!(
            "10.244.{}.{}",
            self.dice.below(16),
            self.dice.between(2, 254)
        );
        self.ip(s)
    }

    pub(super) fn uid(&mut self) -> String {
        uuid_string(self.dice.uuid())
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
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
    pub(super) fn service_account(
        &mut self,
        ns: u8,
        sa: &str,
        pod: Option<(&str, usize)>,
        ua: u16,
        reason: u16,
        ops: Vec<Op>,
        weight: u32,
    ) -> u32 {
        let nsname = self.m.ns_name(ns).to_owned();
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
    pub(super) fn workload(
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
        let nsname = self.m.ns_name(ns).to_owned();
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

/// Adds the workload service accounts; returns all of them and the stealable ones.
pub(super) fn add_workloads(b: &mut Builder<'_>) -> (Vec<u32>, Vec<u32>) {
    let mut all = Vec::new();
    let mut stealable = Vec::new();
    let m = b.m;
    for d in &m.workloads {
        let pods = if d.pods == 0 { b.nodes.len() } else { d.pods };
        let ids = b.workload(d.ns, &d.sa, &d.app, pods, &d.ua, d.rbac, &d.ops, d.weight);
        if d.stealable {
            stealable.extend_from_slice(&ids);
        }
        all.extend(ids);
    }
    (all, stealable)
}

/// Object names for each resource: generated for the ones that have generated names, else the
/// model's fixed names, else one per app.
pub(super) fn name_pool(m: &Model, dice: &mut Dice, r: u8, nodes: &[String]) -> Vec<String> {
    let apps = || m.apps.iter().cloned();
    let pods = |dice: &mut Dice, n: usize| -> Vec<String> {
        (0..n)
            .map(|i| {
                let app = &m.apps[i % m.apps.len()];
                format!(
                    "{app}-{}-{}",
                    random_suffix(dice, 10),
                    random_suffix(dice, 5)
                )
            })
            .collect()
    };
    let def = m.res(r);
    let fixed = || def.names.iter().cloned();
    match def.role {
        Role::Pods => pods(dice, 64),
        Role::ReplicaSets => m
            .apps
            .iter()
            .map(|a| format!("{a}-{}", random_suffix(dice, 10)))
            .collect(),
        Role::Events => pods(dice, 48)
            .into_iter()
            .map(|p| format!("{p}.{}", random_hex(dice, 16)))
            .collect(),
        Role::Nodes | Role::CsiNodes => nodes.to_vec(),
        Role::Namespaces => m.namespaces.clone(),
        Role::Leases => {
            let mut v: Vec<String> = fixed().collect();
            v.push(format!("apiserver-{}", random_suffix(dice, 26)));
            v
        }
        Role::Secrets => apps()
            .flat_map(|a| {
                [
                    format!("{a}-tls"),
                    format!("sh.helm.release.v1.{a}.v{}", 1 + a.len() % 7),
                ]
            })
            .collect(),
        Role::ConfigMaps => {
            let mut v: Vec<String> = fixed().collect();
            v.extend(apps().map(|a| format!("{a}-config")));
            v
        }
        Role::ServiceAccounts => {
            let mut v: Vec<String> = vec!["default".to_owned()];
            v.extend(apps());
            v
        }
        Role::Pvs | Role::VolumeAttachments => (0..16)
            .map(|_| format!("pvc-{}", uuid_string(dice.uuid())))
            .collect(),
        Role::Pvcs => apps().map(|a| format!("data-{a}-0")).collect(),
        _ if !def.names.is_empty() => fixed().collect(),
        _ => apps().collect(),
    }
}

pub(super) fn res_info(m: &Model, dice: &mut Dice, nodes: &[String]) -> Vec<ResInfo> {
    m.resources
        .iter()
        .enumerate()
        .map(|(i, d)| ResInfo {
            prefix: if d.group.is_empty() {
                format!("/api/{}", d.version)
            } else {
                format!("/apis/{}/{}", d.group, d.version)
            },
            qualified: if d.group.is_empty() {
                d.plural.clone()
            } else {
                format!("{}.{}", d.plural, d.group)
            },
            names: name_pool(m, dice, i as u8, nodes),
        })
        .collect()
}

pub(super) fn plain_user(name: &str, groups: &str) -> String {
    format!(
        r#""user":{{"username":{},"groups":{groups}}}"#,
        json_str(name)
    )
}

impl Builder<'_> {
    /// A caller with a plain user from the model.
    pub(super) fn plain(&mut self, kind: Kind, p: &Plain, ops: Vec<Op>, reason: u16) -> u32 {
        let ip = self.ip(p.ip.clone());
        let ua = self.ua(&p.ua);
        self.push(
            kind,
            &p.username,
            plain_user(&p.username, &p.groups),
            &p.groups,
            p.ns,
            ip,
            ua,
            reason,
            ops,
            p.weight,
        )
    }

    /// The actor with this user name (the model checked that it exists).
    pub(super) fn find(&self, name: &str) -> u32 {
        self.actors
            .iter()
            .position(|a| a.username == name)
            .unwrap_or(0) as u32
    }
}

pub(super) fn build_world(m: &'static Model, dice: &mut Dice) -> World {
    let nodes: Vec<String> = (0..m.nodes)
        .map(|i| {
            format!(
                "ip-10-0-{}-{}.ec2.internal",
                1 + i % 3,
                dice.between(10, 250)
            )
        })
        .collect();
    let res = res_info(m, dice, &nodes);
    let mut b = Builder {
        m,
        dice,
        ips: Vec::new(),
        uas: Vec::new(),
        reasons: Vec::new(),
        actors: Vec::new(),
        nodes: nodes.clone(),
    };
    let reason_none = b.reason("");
    let reason_basic_user = b.reason(&m.reason_basic_user);
    let reason_public_info = b.reason(&m.reason_public_info);

    // kube-controller-manager's controllers (service-account credentials, no pod).
    let kcm_ip = b.ip(m.controller_ip.clone());
    let mut service_accounts = Vec::new();
    for (name, ops) in &m.controllers {
        let ua = b.ua(&m.controller_ua.replace("{name}", name));
        let reason = b.reason(&format!(
            r#"RBAC: allowed by ClusterRoleBinding "system:controller:{name}" of ClusterRole "system:controller:{name}" to ServiceAccount "{name}/kube-system""#
        ));
        let id = b.service_account(
            m.ns_kube_system,
            name,
            None,
            ua,
            reason,
            ops.clone(),
            m.controller_weight,
        );
        b.actors[id as usize].ip = kcm_ip;
        service_accounts.push(id);
    }
    let (workloads, stealable) = add_workloads(&mut b);
    service_accounts.extend(workloads);

    // Kubelets.
    let kubelet_ua = b.ua(&m.kubelet.ua);
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
        let id = b.push(
            Kind::Node,
            &username,
            user_json,
            groups,
            m.kubelet.ns,
            ip,
            kubelet_ua,
            reason_none,
            m.kubelet.ops.clone(),
            m.kubelet.weight,
        );
        b.actors[id as usize].own_name.clone_from(node);
        b.actors[id as usize].own_ns = m.kubelet.ns;
        node_actors.push(id);
    }

    // Control-plane components.
    let leases = &res[usize::from(m.id(Role::Leases))].names;
    for p in &m.control_plane {
        let reason = b.reason(&p.reason);
        let id = if p.uid {
            let ip = b.ip(p.ip.clone());
            let ua = b.ua(&p.ua);
            let uid = b.uid();
            b.push(
                Kind::ControlPlane,
                &p.username,
                format!(
                    r#""user":{{"username":{},"uid":"{uid}","groups":{}}}"#,
                    json_str(&p.username),
                    p.groups
                ),
                &p.groups,
                p.ns,
                ip,
                ua,
                reason,
                p.ops.clone(),
                p.weight,
            )
        } else {
            b.plain(Kind::ControlPlane, p, p.ops.clone(), reason)
        };
        // "apiserver-*": the API server's own lease, the generated last name of the pool.
        let lease = match p.lease.strip_suffix('*') {
            Some(prefix) => leases
                .iter()
                .rev()
                .find(|l| l.starts_with(prefix))
                .cloned()
                .unwrap_or_default(),
            None => p.lease.clone(),
        };
        b.actors[id as usize].own_name = lease;
        b.actors[id as usize].own_ns = p.ns;
    }

    // Humans.
    let mut developers = Vec::new();
    for (i, p) in m.humans.iter().enumerate() {
        let host = b.dice.between(20, 200);
        let ip = b.ip(format!("192.168.{}.{host}", 10 + i));
        let reason = b.reason(&p.reason);
        let ua = b.ua(&p.ua);
        let mut ops = m.human_ops.clone();
        if p.admin {
            ops.extend_from_slice(&m.admin_ops);
        }
        let id = b.push(
            Kind::Human,
            &p.username,
            plain_user(&p.username, &p.groups),
            &p.groups,
            p.ns,
            ip,
            ua,
            reason,
            ops,
            p.weight,
        );
        if !p.admin {
            developers.push(id);
        }
    }

    // Health checks, then the look-alikes: never in the background mix, only denied.
    let anonymous = b.plain(
        Kind::Anonymous,
        &m.anonymous,
        m.anonymous.ops.clone(),
        reason_public_info,
    );
    let plural_lookalike = b.plain(
        Kind::Odd,
        &m.plural_lookalike,
        m.plural_lookalike.ops.clone(),
        reason_none,
    );
    let case_lookalike = b.plain(
        Kind::Odd,
        &m.case_lookalike,
        m.case_lookalike.ops.clone(),
        reason_none,
    );

    // Attackers' addresses and tools.
    let attacker_ips = m.attacker_ips.iter().map(|s| b.ip(s.clone())).collect();
    let ua_curl = b.ua(&m.attacker_uas[0]);
    let scanner_ips = m.scanner_ips.iter().map(|s| b.ip(s.clone())).collect();
    let ua_scanner = b.ua(&m.scanner_ua);
    let ua_python = b.ua(&m.attacker_uas[1]);

    let broken = m
        .broken
        .iter()
        .map(|(account, probe)| (b.find(account), *probe))
        .collect();
    let impersonated = m.impersonated.iter().map(|a| b.find(a)).collect();
    let admin = b.find(&m.admin);
    let developer = b.find(&m.developer);

    // Scale weights so each kind gets its share of the background.
    let mut kind_totals = [0u64; 6];
    for a in &b.actors {
        kind_totals[a.kind as usize] += u64::from(a.weight);
    }
    for a in &mut b.actors {
        let total = kind_totals[a.kind as usize].max(1);
        a.weight =
            (u64::from(a.weight) * u64::from(m.shares[a.kind as usize]) * 100 / total) as u32;
    }
    let actor_cum = cumulative(b.actors.iter().map(|a| a.weight));
    World {
        m,
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
        developers,
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
