//! The model file's shape, as serde reads it: plain names and strings, checked and resolved
//! by the parent module. `deny_unknown_fields` everywhere, so a misspelt key is an error that
//! names it rather than a setting silently ignored.

use std::collections::HashMap;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct File {
    pub(super) shares: Shares,
    pub(super) rhythm: RhythmFile,
    pub(super) cluster: ClusterFile,
    pub(super) controllers: ControllersFile,
    pub(super) workload: Vec<WorkloadFile>,
    pub(super) kubelet: PlainFile,
    pub(super) control_plane: Vec<PlainFile>,
    pub(super) humans: HumansFile,
    pub(super) anonymous: PlainFile,
    pub(super) lookalikes: Lookalikes,
    pub(super) reasons: Reasons,
    pub(super) names: HashMap<String, Vec<String>>,
    pub(super) denials: DenialsFile,
    pub(super) impersonation: Impersonation,
    pub(super) attack: AttackFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Shares {
    pub(super) service_account: u32,
    pub(super) node: u32,
    pub(super) control_plane: u32,
    pub(super) human: u32,
    pub(super) anonymous: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RhythmFile {
    pub(super) hourly: Vec<f64>,
    pub(super) weekend: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ResFile {
    pub(super) plural: String,
    pub(super) group: String,
    pub(super) version: String,
    pub(super) namespaced: bool,
    pub(super) kind: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ClusterFile {
    pub(super) nodes: u64,
    pub(super) namespaces: Vec<String>,
    pub(super) app_namespaces: Vec<String>,
    pub(super) paths: Vec<String>,
    pub(super) apps: Vec<String>,
    pub(super) resources: Vec<ResFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ControllersFile {
    pub(super) ip: String,
    pub(super) user_agent: String,
    pub(super) weight: u32,
    pub(super) controller: Vec<ControllerFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ControllerFile {
    pub(super) name: String,
    pub(super) ops: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct WorkloadFile {
    pub(super) namespace: String,
    pub(super) service_account: String,
    pub(super) app: String,
    pub(super) pods: usize,
    pub(super) user_agent: String,
    pub(super) rbac: String,
    pub(super) weight: u32,
    pub(super) stealable: bool,
    pub(super) ops: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct PlainFile {
    #[serde(default)]
    pub(super) username: String,
    #[serde(default)]
    pub(super) groups: Vec<String>,
    pub(super) namespace: String,
    #[serde(default)]
    pub(super) ip: String,
    pub(super) user_agent: String,
    #[serde(default)]
    pub(super) reason: String,
    #[serde(default)]
    pub(super) weight: u32,
    #[serde(default)]
    pub(super) ops: Vec<String>,
    #[serde(default)]
    pub(super) uid: bool,
    #[serde(default)]
    pub(super) lease: String,
    #[serde(default)]
    pub(super) admin: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HumansFile {
    pub(super) weight: u32,
    pub(super) ops: Vec<String>,
    pub(super) admin_ops: Vec<String>,
    pub(super) human: Vec<PlainFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Lookalikes {
    pub(super) plural: PlainFile,
    pub(super) case: PlainFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Reasons {
    pub(super) basic_user: String,
    pub(super) public_info: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct DenialsFile {
    pub(super) broken_rbac: u64,
    pub(super) service_account: u64,
    pub(super) human: u64,
    pub(super) anonymous: u64,
    pub(super) node: u64,
    pub(super) plural_lookalike: u64,
    pub(super) case_lookalike: u64,
    pub(super) odd_case_decision: u64,
    pub(super) impersonating: f64,
    pub(super) service_account_strays: Vec<String>,
    pub(super) human_strays: Vec<String>,
    pub(super) anonymous_strays: Vec<String>,
    pub(super) scanner_paths: Vec<String>,
    pub(super) broken: Vec<BrokenFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BrokenFile {
    pub(super) account: String,
    pub(super) probe: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Impersonation {
    pub(super) accounts: Vec<String>,
    pub(super) admin: String,
    pub(super) developer: String,
    pub(super) rate: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AttackFile {
    pub(super) ips: Vec<String>,
    pub(super) user_agents: Vec<String>,
    pub(super) denials: (u64, u64),
    pub(super) allowed: (u64, u64),
    pub(super) seconds: (u64, u64),
    pub(super) scanner_ips: Vec<String>,
    pub(super) scanner_user_agent: String,
    pub(super) probes: Vec<String>,
}
