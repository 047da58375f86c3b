//! Request and response bodies (levels Request and RequestResponse): pods, nodes, workloads,
//! configmaps, leases, events, endpoint slices, access reviews and patches, each a pure
//! function of the planned request.
//!
//! Kept apart from [`super::render`] because bodies are most of the code and most of the
//! variety; which body a request gets depends on the resource's [`Role`], so the model file
//! may add resources freely (they get a generic body).

use super::model::{ANY_NS, Model, NO_NS, NON_RESOURCE, Role};
use super::plan::Req;
use super::prim::{Clock, DAY_US, Level, SEC_US, Verb, mix, push_hex, push_u64, push_uuid, span};
use super::render::{name_of, push, resource_version};
use super::world::World;

/// Quoted string (callers pass JSON-safe text).
pub(super) fn q(b: &mut Vec<u8>, s: &str) {
    b.push(b'"');
    push(b, s);
    b.push(b'"');
}

pub(super) fn push_uid(b: &mut Vec<u8>, seed: u64) {
    push_uuid(
        b,
        u128::from(mix(seed)) << 64 | u128::from(mix(seed ^ 0xa5a5)),
    );
}

/// `"2026-01-05T08:12:33Z"`, quoted.
pub(super) fn q_time(clock: &Clock, b: &mut Vec<u8>, us: i64) {
    b.push(b'"');
    clock.push(b, us, false);
    b.push(b'"');
}

/// Render-time context of one body.
pub(super) struct Body<'a> {
    pub(super) w: &'a World,
    pub(super) clock: &'a Clock,
    pub(super) r: &'a Req,
    pub(super) name: &'a str,
    pub(super) ns: &'a str,
    /// The app a name belongs to (for labels and images).
    pub(super) app: &'static str,
}

impl Body<'_> {
    pub(super) fn seed(&self, k: u64) -> u64 {
        mix(self.r.body ^ k.wrapping_mul(0x9e37_79b9))
    }

    pub(super) fn api_version(&self, b: &mut Vec<u8>) {
        let def = self.w.m.res(self.r.res);
        b.push(b'"');
        if !def.group.is_empty() {
            push(b, &def.group);
            b.push(b'/');
        }
        push(b, &def.version);
        b.push(b'"');
    }

    /// `"kind":"Pod","apiVersion":"v1","metadata":{...}`.
    pub(super) fn head(&self, b: &mut Vec<u8>, full: bool) {
        let def = self.w.m.res(self.r.res);
        push(b, r#""kind":"#);
        q(b, &def.kind);
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
        q(b, manager(self.w.m.role(self.r.res)));
        push(b, r#","operation":"Update","apiVersion":"#);
        self.api_version(b);
        push(b, r#","time":"#);
        q_time(self.clock, b, self.r.received);
        push(
            b,
            r#","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app.kubernetes.io/name":{},"f:app.kubernetes.io/part-of":{}}}}}]}"#,
        );
    }

    pub(super) fn image(&self, b: &mut Vec<u8>) {
        push(b, r#""123456789012.dkr.ecr.us-east-1.amazonaws.com/"#);
        push(b, self.app);
        push(b, ":v1.");
        push_u64(b, self.seed(3) % 20);
        b.push(b'.');
        push_u64(b, self.seed(4) % 10);
        b.push(b'"');
    }

    pub(super) fn node(&self) -> &str {
        &self.w.nodes[(self.seed(5) % self.w.nodes.len() as u64) as usize]
    }

    pub(super) fn pod_ip(&self, b: &mut Vec<u8>, k: u64) {
        push(b, "10.244.");
        push_u64(b, self.seed(k) % 16);
        b.push(b'.');
        push_u64(b, 2 + self.seed(k + 1) % 250);
    }
}

pub(super) fn manager(role: Role) -> &'static str {
    match role {
        Role::Pods | Role::Nodes | Role::Leases => "kubelet",
        Role::Deployments | Role::ConfigMaps | Role::Services | Role::Ingresses => {
            "argocd-controller"
        }
        _ => "kube-controller-manager",
    }
}

/// The app a generated name starts with.
pub(super) fn app_of(m: &'static Model, name: &str) -> &'static str {
    m.apps
        .iter()
        .map(String::as_str)
        .filter(|a| name.starts_with(a))
        .max_by_key(|a| a.len())
        .unwrap_or("app")
}

pub(super) fn write_bodies(w: &World, clock: &Clock, b: &mut Vec<u8>, r: &Req) {
    if r.level == Level::Metadata || r.res == NON_RESOURCE || r.outcome.denied() {
        return;
    }
    let name = name_of(w, r);
    let ctx = Body {
        w,
        clock,
        r,
        name,
        ns: if r.ns == NO_NS { "" } else { w.m.ns_name(r.ns) },
        app: app_of(w.m, name),
    };
    if r.verb.writes() && r.sub != "exec" && w.m.role(r.res) != Role::TokenReviews {
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
        && !matches!(w.m.role(r.res), Role::TokenReviews | Role::ServiceAccounts)
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
                q(b, &w.m.res(r.res).plural);
                push(b, r#","uid":""#);
                push_uid(b, ctx.seed(1));
                push(b, r#""}}"#);
            }
            _ => {}
        }
    }
}

/// A patch document (the request body of `patch`).
pub(super) fn write_patch(c: &Body<'_>, b: &mut Vec<u8>) {
    let r = c.r;
    match (c.w.m.role(r.res), r.sub) {
        (Role::Pods, "status") => {
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
        (Role::Nodes, "status") => {
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
        (Role::Deployments, _) => {
            push(
                b,
                r#"{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":""#,
            );
            c.clock.push(b, r.received - 1_234_567, false);
            push(b, r#""}}}}}"#);
        }
        (Role::Nodes, _) => {
            push(
                b,
                r#"{"spec":{"taints":[{"effect":"NoSchedule","key":"node.kubernetes.io/unschedulable","timeAdded":"#,
            );
            q_time(c.clock, b, r.received);
            push(b, "}]}}");
        }
        (Role::Pods, _) => {
            push(
                b,
                r#"{"metadata":{"annotations":{"vpc.amazonaws.com/pod-ips":""#,
            );
            c.pod_ip(b, 14);
            push(b, r#""}}}"#);
        }
        (Role::Applications, _) => {
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
pub(super) fn write_object(c: &Body<'_>, b: &mut Vec<u8>, response: bool) {
    let r = c.r;
    let full = response || r.verb != Verb::Create;
    match (c.w.m.role(r.res), r.sub) {
        (Role::Ssar, _) => write_ssar(c, b, response),
        (Role::Ssrr, _) => write_ssrr(c, b, response),
        (Role::ServiceAccounts, "token") => {
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
        (Role::Pods, "binding") => {
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
        (Role::Pods, _) => write_pod(c, b, full, response),
        (Role::Nodes, _) => write_node(c, b),
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
        (Role::Deployments | Role::ReplicaSets | Role::StatefulSets | Role::DaemonSets, _) => {
            write_workload(c, b, full);
        }
        (Role::ConfigMaps, _) => write_configmap(c, b, full),
        (Role::Leases, _) => write_lease(c, b, full),
        (Role::Events, _) => write_k8s_event(c, b),
        (Role::EndpointSlices, _) => write_endpointslice(c, b, full),
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

pub(super) fn write_ssar(c: &Body<'_>, b: &mut Vec<u8>, response: bool) {
    let m = c.w.m;
    let (verb, res, sub, ns) = m.probes[(c.seed(22) % m.probes.len() as u64) as usize];
    let def = m.res(res);
    push(
        b,
        r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"resourceAttributes":{"#,
    );
    if ns != NO_NS && def.namespaced {
        push(b, r#""namespace":"#);
        let ns = if ns == ANY_NS {
            m.app_namespaces[(c.seed(23) % m.app_namespaces.len() as u64) as usize]
        } else {
            ns
        };
        q(b, m.ns_name(ns));
        b.push(b',');
    }
    push(b, r#""verb":"#);
    q(b, verb.as_str());
    if !def.group.is_empty() {
        push(b, r#","group":"#);
        q(b, &def.group);
    }
    push(b, r#","resource":"#);
    q(b, &def.plural);
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

pub(super) fn write_ssrr(c: &Body<'_>, b: &mut Vec<u8>, response: bool) {
    push(
        b,
        r#"{"kind":"SelfSubjectRulesReview","apiVersion":"authorization.k8s.io/v1","metadata":{"creationTimestamp":null},"spec":{"namespace":"#,
    );
    let home = c.w.actors[c.r.actor as usize].home;
    q(b, c.w.m.ns_name(home));
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

pub(super) fn write_pod(c: &Body<'_>, b: &mut Vec<u8>, full: bool, response: bool) {
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

pub(super) fn write_node(c: &Body<'_>, b: &mut Vec<u8>) {
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

pub(super) fn write_workload(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
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
pub(super) const CONFIG_ENTRIES: &[(&str, &str)] = &[
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

pub(super) fn write_configmap(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
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

pub(super) fn write_lease(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
    let node_lease = c.r.ns == c.w.m.ns_node_lease;
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
pub(super) const K8S_EVENTS: &[(&str, &str, &str)] = &[
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

pub(super) fn write_k8s_event(c: &Body<'_>, b: &mut Vec<u8>) {
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

pub(super) fn write_endpointslice(c: &Body<'_>, b: &mut Vec<u8>, full: bool) {
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
