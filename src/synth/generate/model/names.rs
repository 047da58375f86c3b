//! Resolving the model file's names: namespaces, resources, paths, and the one-line op and
//! probe syntax (`"update replicasets/status any 4"`, `"list secrets all"`), with errors that
//! quote the text they could not read.

use super::file::PlainFile;
use super::{
    ANY_NS, ModelError, NO_NS, NON_RESOURCE, Op, Plain, Probe, ResDef, SUBRESOURCES, Scope, err,
};
use crate::synth::generate::prim::Verb;

/// Name lookups while resolving.
pub(super) struct Names<'a> {
    pub(super) namespaces: &'a [String],
    pub(super) resources: &'a [ResDef],
    pub(super) paths: &'a [String],
}

impl Names<'_> {
    pub(super) fn ns(&self, name: &str) -> Result<u8, String> {
        self.namespaces
            .iter()
            .position(|n| n == name)
            .map(|i| i as u8)
            .ok_or_else(|| format!("unknown namespace {name:?}"))
    }

    pub(super) fn res(&self, name: &str) -> Result<u8, String> {
        self.resources
            .iter()
            .position(|r| r.plural == name)
            .map(|i| i as u8)
            .ok_or_else(|| format!("unknown resource {name:?}"))
    }

    pub(super) fn path(&self, name: &str) -> Result<u8, String> {
        self.paths
            .iter()
            .position(|p| p == name)
            .map(|i| i as u8)
            .ok_or_else(|| format!("unknown path {name:?} (add it to cluster.paths)"))
    }

    /// `RESOURCE[/SUB]`.
    pub(super) fn target(&self, text: &str) -> Result<(u8, &'static str), String> {
        let (res, sub) = text.split_once('/').unwrap_or((text, ""));
        let sub = if sub.is_empty() {
            ""
        } else {
            SUBRESOURCES
                .iter()
                .copied()
                .find(|s| *s == sub)
                .ok_or_else(|| {
                    format!(
                        "unknown subresource {sub:?} (known: {})",
                        SUBRESOURCES.join(", ")
                    )
                })?
        };
        Ok((self.res(res)?, sub))
    }

    /// `VERB RESOURCE[/SUB] SCOPE WEIGHT` or `get /PATH WEIGHT`.
    pub(super) fn op(&self, text: &str) -> Result<Op, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let bad = || format!("op {text:?}");
        let weight = |w: &str| -> Result<u32, String> {
            match w.replace('_', "").parse::<u32>() {
                Ok(0) => Err(format!("op {text:?}: weight is zero")),
                Ok(n) => Ok(n),
                Err(_) => Err(format!("op {text:?}: weight {w:?} is not a whole number")),
            }
        };
        match words.as_slice() {
            [verb, path, w] if path.starts_with('/') => {
                if *verb != "get" {
                    return Err(format!("{}: non-resource paths are only read (get)", bad()));
                }
                Ok(Op {
                    verb: Verb::Get,
                    res: NON_RESOURCE,
                    sub: "",
                    scope: Scope::All,
                    path: self.path(path).map_err(|e| format!("{}: {e}", bad()))?,
                    weight: weight(w)?,
                })
            }
            [verb, target, scope, w] => {
                let verb = parse_verb(verb).map_err(|e| format!("{}: {e}", bad()))?;
                let (res, sub) = self.target(target).map_err(|e| format!("{}: {e}", bad()))?;
                let scope = match *scope {
                    "home" => Scope::Home,
                    "any" => Scope::Any,
                    "all" => Scope::All,
                    "own" => Scope::Own,
                    name => Scope::Ns(self.ns(name).map_err(|e| format!("{}: {e}", bad()))?),
                };
                Ok(Op {
                    verb,
                    res,
                    sub,
                    scope,
                    path: 0,
                    weight: weight(w)?,
                })
            }
            _ => Err(format!(
                "{}: expected \"VERB RESOURCE[/SUBRESOURCE] SCOPE WEIGHT\" or \"get /PATH WEIGHT\"",
                bad()
            )),
        }
    }

    pub(super) fn ops(&self, what: &str, texts: &[String]) -> Result<Vec<Op>, ModelError> {
        if texts.is_empty() {
            return err(format!("{what}: has no ops"));
        }
        texts
            .iter()
            .map(|t| self.op(t).map_err(|e| ModelError(format!("{what}: {e}"))))
            .collect()
    }

    /// `VERB RESOURCE[/SUB] all|any|NAMESPACE`.
    pub(super) fn probe(&self, text: &str) -> Result<Probe, String> {
        let bad = || format!("probe {text:?}");
        let [verb, target, ns] = text.split_whitespace().collect::<Vec<_>>()[..] else {
            return Err(format!(
                "{}: expected \"VERB RESOURCE[/SUBRESOURCE] all|any|NAMESPACE\"",
                bad()
            ));
        };
        let verb = parse_verb(verb).map_err(|e| format!("{}: {e}", bad()))?;
        let (res, sub) = self.target(target).map_err(|e| format!("{}: {e}", bad()))?;
        let ns = match ns {
            "all" => NO_NS,
            "any" => ANY_NS,
            name => self.ns(name).map_err(|e| format!("{}: {e}", bad()))?,
        };
        Ok((verb, res, sub, ns))
    }

    pub(super) fn probes(&self, what: &str, texts: &[String]) -> Result<Vec<Probe>, ModelError> {
        if texts.is_empty() {
            return err(format!("{what}: is empty"));
        }
        texts
            .iter()
            .map(|t| {
                self.probe(t)
                    .map_err(|e| ModelError(format!("{what}: {e}")))
            })
            .collect()
    }

    pub(super) fn plain(&self, what: &str, f: PlainFile) -> Result<Plain, ModelError> {
        let ns = self
            .ns(&f.namespace)
            .map_err(|e| ModelError(format!("{what}: {e}")))?;
        let ops = if f.ops.is_empty() && what.starts_with("humans") {
            Vec::new()
        } else {
            self.ops(what, &f.ops)?
        };
        let groups = serde_json::to_string(&f.groups)
            .map_err(|e| ModelError(format!("{what}: groups: {e}")))?;
        Ok(Plain {
            username: f.username,
            groups,
            ns,
            ip: f.ip,
            ua: f.user_agent,
            reason: f.reason,
            weight: f.weight,
            ops,
            uid: f.uid,
            lease: f.lease,
            admin: f.admin,
        })
    }
}

fn parse_verb(s: &str) -> Result<Verb, String> {
    Verb::ALL
        .iter()
        .copied()
        .find(|v| v.as_str() == s)
        .ok_or_else(|| format!("unknown verb {s:?}"))
}
