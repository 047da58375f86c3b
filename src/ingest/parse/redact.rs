//! Secrets out of the archive: the values of `Secret` objects (`data`, `stringData`, and the
//! `kubectl.kubernetes.io/last-applied-configuration` annotation that repeats them), the token of
//! a `TokenRequest` response (`status.token`) and of a `TokenReview` (`spec.token`) are replaced
//! in `request_object` and `response_object` by a marker, `"<redacted blake3:1a2b3c4d>"`, before
//! an event reaches any sink. So `convert`, and every command that reads raw logs, see the same
//! redacted bodies: one parser for everything ([`super::parse_line`]).
//!
//! What is a Secret: an object whose `kind` is `Secret` anywhere in a body (a `List`'s items, a
//! `Table`'s rows), every item of a `SecretList`, and the body of a request on `secrets` itself
//! whatever its shape (a strategic-merge patch carries no `kind`; a JSON patch is a list of
//! operations whose `value` is redacted when their `path` is under `/data`, `/stringData` or
//! the annotation). Key names are kept, so a hunt still sees *which* keys changed.
//!
//! The marker keeps the first 8 hex digits of a keyed BLAKE3 hash of the value, so the same
//! value can be followed across events without being readable. The key is derived from
//! `AUDITHOUND_REDACTION_KEY` when set, else from a fixed public context string: then the
//! marker is an unsalted hash, and a guess of a low-entropy secret (a password) can be checked
//! against it. Set a private key to rule that out; use the same key for every run that writes
//! one archive, or markers of the same value will differ. Redaction rewrites only the spans of
//! the values it replaces: the rest of a body keeps its bytes and key order.
//!
//! Only bodies that can hold a secret are walked: those of requests on `secrets`,
//! `serviceaccounts/token` and `tokenreviews`, and any body whose text holds one of the kinds
//! (`Secret"`, `SecretList"`, `TokenRequest"`, `TokenReview"`) or a `\u` escape (which could
//! spell one); every other body costs a few substring searches.

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

use super::Event;

/// What to do with secrets in request and response bodies.
#[derive(Clone, PartialEq, Eq)]
pub enum Secrets {
    /// Replace them with a marker holding a prefix of their hash under this key.
    Redact([u8; 32]),
    /// Keep them as logged (`--keep-secrets`).
    Keep,
}

/// The context string the default (public) key is derived from.
const DEFAULT_CONTEXT: &str = "audithound 2026-01 secret redaction marker v1";

impl Secrets {
    /// Redaction under a key derived from `material` (a private key makes markers unguessable).
    pub fn keyed(material: &[u8]) -> Self {
        Secrets::Redact(blake3::derive_key(DEFAULT_CONTEXT, material))
    }
}

impl Default for Secrets {
    /// Redaction under the public default key.
    fn default() -> Self {
        Secrets::keyed(b"")
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Secrets::Redact(_) => f.write_str("Redact(<key>)"),
            Secrets::Keep => f.write_str("Keep"),
        }
    }
}

/// The start of every marker; a value that already is one is left alone (redaction is
/// idempotent: redacting a redacted body changes nothing).
const MARKER_PREFIX: &str = "<redacted blake3:";

/// Deeper than this inside a body, a subtree that may hold a secret is replaced whole.
const MAX_DEPTH: usize = 64;

/// The JSON patch paths under which values are secret.
const PATCH_PATHS: [&str; 3] = [
    "/data",
    "/stringData",
    "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
];

const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// How the top of a body is to be read when it names no `kind` of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hint {
    None,
    /// A request on `secrets`: a Secret, a SecretList, or a patch of either.
    Secret,
    TokenRequest,
    TokenReview,
}

/// Redacts the secrets in `event`'s bodies; returns how many values were replaced.
pub fn event(e: &mut Event<'_>, key: &[u8; 32]) -> u32 {
    let core = e.api_group.as_deref().is_none_or(str::is_empty);
    let hint = match (e.resource.as_deref(), e.subresource.as_deref()) {
        (Some("secrets"), None | Some("")) if core => Hint::Secret,
        (Some("serviceaccounts"), Some("token")) if core => Hint::TokenRequest,
        (Some("tokenreviews"), _) => Hint::TokenReview,
        _ => Hint::None,
    };
    let mut n = 0;
    for body in [&mut e.request_object, &mut e.response_object] {
        let Some(text) = body.as_deref() else {
            continue;
        };
        if let Some((redacted, count)) = body_text(text, hint, key) {
            *body = Some(Cow::Owned(redacted));
            n += count;
        }
    }
    n
}

/// Whether a body without a hint can hold a secret at all (cheap: substring searches). The
/// kinds are looked for with their closing quote, so a pod's `imagePullSecrets` or
/// `automountServiceAccountToken` does not make its body walked; a `\u` escape could spell a
/// kind, so a body holding one is walked too.
fn may_hold_secret(text: &str) -> bool {
    let b = text.as_bytes();
    let followed_by = |word: &[u8], tails: &[&[u8]]| {
        memchr::memmem::find_iter(b, word)
            .any(|i| tails.iter().any(|t| b[i + word.len()..].starts_with(t)))
    };
    followed_by(b"Secret", &[b"\"", b"List\""])
        || followed_by(b"Token", &[b"Request\"", b"Review\""])
        || memchr::memmem::find(b, b"\\u").is_some()
}

/// The body with its secrets replaced and how many, or `None` if it holds none.
fn body_text(text: &str, hint: Hint, key: &[u8; 32]) -> Option<(String, u32)> {
    if hint == Hint::None && !may_hold_secret(text) {
        return None;
    }
    let v: &RawValue = serde_json::from_str(text).ok()?;
    let mut w = Walk::new(text, key);
    w.value(v, hint, 0);
    (w.count > 0).then(|| (w.apply(), w.count))
}

/// The marker for a value (its JSON text): a JSON string.
fn marker(raw: &str, key: &[u8; 32]) -> String {
    // A string is hashed as its decoded text, so escapes do not change the marker.
    let decoded = serde_json::from_str::<Cow<'_, str>>(raw).ok();
    let bytes = decoded.as_deref().unwrap_or(raw).as_bytes();
    let h = blake3::keyed_hash(key, bytes).to_hex();
    format!("\"{MARKER_PREFIX}{}>\"", &h.as_str()[..8])
}

/// A JSON object's members in order, duplicates kept (a duplicate `data` is redacted too).
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut m: M) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, &'a RawValue>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

fn members(v: &RawValue) -> Option<Vec<(String, &RawValue)>> {
    v.get()
        .starts_with('{')
        .then(|| serde_json::from_str::<Members<'_>>(v.get()).ok())
        .flatten()
        .map(|m| m.0)
}

fn elements(v: &RawValue) -> Option<Vec<&RawValue>> {
    v.get()
        .starts_with('[')
        .then(|| serde_json::from_str::<Vec<&RawValue>>(v.get()).ok())
        .flatten()
}

fn string_of(v: &RawValue) -> Option<Cow<'_, str>> {
    serde_json::from_str::<Cow<'_, str>>(v.get()).ok()
}

/// Collects the spans to replace in one body.
struct Walk<'t, 'k> {
    base: &'t str,
    key: &'k [u8; 32],
    /// Disjoint spans of `base` and what replaces each.
    out: Vec<(Range<usize>, String)>,
    /// Values replaced (an annotation rewritten as one span may hold several).
    count: u32,
}

impl<'t, 'k> Walk<'t, 'k> {
    fn new(base: &'t str, key: &'k [u8; 32]) -> Self {
        Self {
            base,
            key,
            out: Vec::new(),
            count: 0,
        }
    }

    /// The body with every span replaced.
    fn apply(&mut self) -> String {
        self.out.sort_by_key(|(r, _)| r.start);
        let mut s = String::with_capacity(self.base.len());
        let mut at = 0;
        for (r, with) in &self.out {
            s.push_str(&self.base[at..r.start]);
            s.push_str(with);
            at = r.end;
        }
        s.push_str(&self.base[at..]);
        s
    }

    /// Where `v` (which borrows from the body) sits in the body.
    fn span(&self, v: &RawValue) -> Range<usize> {
        let start = v.get().as_ptr() as usize - self.base.as_ptr() as usize;
        start..start + v.get().len()
    }

    /// Replaces `v` with its marker (`null`, `""` and a marker stay: they hide nothing).
    fn replace(&mut self, v: &RawValue) {
        let t = v.get();
        if t == "null" || string_of(v).is_some_and(|s| s.is_empty() || s.starts_with(MARKER_PREFIX))
        {
            return;
        }
        let m = marker(t, self.key);
        let span = self.span(v);
        self.out.push((span, m));
        self.count += 1;
    }

    /// Replaces every member value of an object (keys kept), or the value whole if it is not one.
    fn replace_members(&mut self, v: &RawValue) {
        match members(v) {
            Some(ms) => {
                for (_, mv) in ms {
                    self.replace(mv);
                }
            }
            None => self.replace(v),
        }
    }

    fn value(&mut self, v: &RawValue, hint: Hint, depth: usize) {
        if depth > MAX_DEPTH {
            if hint != Hint::None || may_hold_secret(v.get()) {
                self.replace(v);
            }
            return;
        }
        if let Some(ms) = members(v) {
            self.object(&ms, hint, depth);
        } else if let Some(items) = elements(v) {
            for item in items {
                // A JSON patch on a Secret, or a list of values to search.
                if hint == Hint::Secret
                    && let Some(op) = members(item)
                    && op.iter().any(|(k, _)| k == "op")
                {
                    self.patch_op(&op, depth + 1);
                } else {
                    self.value(item, Hint::None, depth + 1);
                }
            }
        }
    }

    fn object(&mut self, ms: &[(String, &RawValue)], hint: Hint, depth: usize) {
        // Go's decoder keeps the last of duplicate keys; any `kind` saying Secret counts here.
        let kinds: Vec<Cow<'_, str>> = ms
            .iter()
            .filter(|(k, _)| k == "kind")
            .filter_map(|(_, v)| string_of(v))
            .collect();
        let is = |k: &str| kinds.iter().any(|x| x == k);
        let has_items = ms.iter().any(|(k, _)| k == "items");
        if is("Secret") || (kinds.is_empty() && hint == Hint::Secret && !has_items) {
            self.secret(ms, depth);
        } else if is("SecretList") || (kinds.is_empty() && hint == Hint::Secret && has_items) {
            for (k, v) in ms {
                if k == "items" {
                    for item in elements(v).unwrap_or_default() {
                        self.value(item, Hint::Secret, depth + 1);
                    }
                }
            }
        } else if is("TokenRequest") || (kinds.is_empty() && hint == Hint::TokenRequest) {
            self.token_at(ms, "status");
        } else if is("TokenReview") || (kinds.is_empty() && hint == Hint::TokenReview) {
            self.token_at(ms, "spec");
        } else {
            // Anything else: a Secret may sit inside (a List, a Table's rows, a Status).
            for (_, v) in ms {
                if may_hold_secret(v.get()) {
                    self.value(v, Hint::None, depth + 1);
                }
            }
        }
    }

    /// A Secret: every value of `data` and `stringData`, and the applied configuration.
    fn secret(&mut self, ms: &[(String, &RawValue)], depth: usize) {
        for (k, v) in ms {
            match k.as_str() {
                "data" | "stringData" => self.replace_members(v),
                "metadata" => {
                    for (mk, mv) in members(v).unwrap_or_default() {
                        if mk == "annotations" {
                            self.annotations(mv, depth + 2);
                        }
                    }
                }
                _ => {}
            }
        }
    }

    fn annotations(&mut self, v: &RawValue, depth: usize) {
        for (k, av) in members(v).unwrap_or_default() {
            if k == LAST_APPLIED {
                self.last_applied(av, depth + 1);
            }
        }
    }

    /// The annotation holds the applied object as a JSON string: its secrets are redacted
    /// inside it and the string written back; if it cannot be read, it is replaced whole.
    fn last_applied(&mut self, v: &RawValue, depth: usize) {
        let Some(inner) = string_of(v) else {
            self.replace(v);
            return;
        };
        if inner.starts_with(MARKER_PREFIX) {
            return;
        }
        let Ok(parsed) = serde_json::from_str::<&RawValue>(&inner) else {
            self.replace(v);
            return;
        };
        let mut w = Walk::new(&inner, self.key);
        w.value(parsed, Hint::Secret, depth);
        if w.count == 0 {
            return;
        }
        let Ok(text) = serde_json::to_string(&w.apply()) else {
            self.replace(v);
            return;
        };
        let span = self.span(v);
        self.out.push((span, text));
        self.count += w.count;
    }

    /// `TokenRequest.status.token`, `TokenReview.spec.token`.
    fn token_at(&mut self, ms: &[(String, &RawValue)], at: &str) {
        for (k, v) in ms {
            if k == at {
                for (tk, tv) in members(v).unwrap_or_default() {
                    if tk == "token" {
                        self.replace(tv);
                    }
                }
            }
        }
    }

    /// One JSON patch operation on a Secret.
    fn patch_op(&mut self, op: &[(String, &RawValue)], depth: usize) {
        let path = op
            .iter()
            .find(|(k, _)| k == "path")
            .and_then(|(_, v)| string_of(v))
            .unwrap_or_default();
        for (k, v) in op {
            if k != "value" {
                continue;
            }
            if path == "/data" || path == "/stringData" {
                self.replace_members(v);
            } else if PATCH_PATHS[..2]
                .iter()
                .any(|p| path.strip_prefix(p).is_some_and(|r| r.starts_with('/')))
            {
                self.replace(v);
            } else if path == PATCH_PATHS[2] {
                self.last_applied(v, depth + 1);
            } else if path == "/metadata/annotations" {
                self.annotations(v, depth + 1);
            } else if path == "/metadata" {
                self.secret(&[("metadata".to_owned(), *v)], depth);
            } else if path.is_empty() || path == "/" {
                self.value(v, Hint::Secret, depth + 1);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> [u8; 32] {
        match Secrets::default() {
            Secrets::Redact(k) => k,
            Secrets::Keep => [0; 32],
        }
    }

    fn redact(text: &str, hint: Hint) -> (String, u32) {
        body_text(text, hint, &key()).unwrap_or_else(|| (text.to_owned(), 0))
    }

    #[test]
    fn secret_values_become_markers_and_keys_stay() {
        let body = r#"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"db","annotations":{"a":"b"}},"data":{"password":"aHVudGVyMg==","user":"YWRtaW4="},"stringData":{"token":"s3cr3t"},"type":"Opaque"}"#;
        let (out, n) = redact(body, Hint::None);
        assert_eq!(n, 3, "{out}");
        assert!(
            !out.contains("aHVudGVyMg==") && !out.contains("s3cr3t"),
            "{out}"
        );
        assert!(out.contains(r#""password":"<redacted blake3:"#), "{out}");
        assert!(out.contains(r#""type":"Opaque""#), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_default();
        assert_eq!(v["metadata"]["annotations"]["a"], "b");
        // The same value gives the same marker; idempotent.
        assert_eq!(redact(&out, Hint::None).1, 0);
        let again = redact(
            r#"{"kind":"Secret","data":{"other":"aHVudGVyMg=="}}"#,
            Hint::None,
        )
        .0;
        assert_eq!(
            v["data"]["password"],
            serde_json::from_str::<serde_json::Value>(&again).unwrap_or_default()["data"]["other"]
        );
    }

    #[test]
    fn a_private_key_changes_the_marker() {
        let body = r#"{"kind":"Secret","data":{"p":"eA=="}}"#;
        let a = body_text(body, Hint::None, &key()).unwrap_or_default().0;
        let other = match Secrets::keyed(b"private") {
            Secrets::Redact(k) => k,
            Secrets::Keep => [0; 32],
        };
        let b = body_text(body, Hint::None, &other).unwrap_or_default().0;
        assert_ne!(a, b);
    }

    #[test]
    fn lists_patches_annotations_tokens_and_nesting() {
        let applied = serde_json::to_string(
            r#"{"apiVersion":"v1","data":{"password":"aHVudGVyMg=="},"kind":"Secret","metadata":{"name":"db"}}"#,
        )
        .unwrap_or_default();
        let cases: Vec<(String, Hint, u32, &str)> = vec![
            (
                r#"{"kind":"SecretList","items":[{"metadata":{"name":"a"},"data":{"k":"dg=="}},{"data":{"k":"dw==","l":"eA=="}}]}"#.into(),
                Hint::None,
                3,
                "dg==",
            ),
            (
                r#"{"kind":"List","items":[{"kind":"Secret","data":{"k":"dg=="}},{"kind":"ConfigMap","data":{"k":"keep"}}]}"#.into(),
                Hint::None,
                1,
                "dg==",
            ),
            (r#"{"data":{"k":"dg=="}}"#.into(), Hint::Secret, 1, "dg=="),
            (
                r#"[{"op":"replace","path":"/data/k","value":"dg=="},{"op":"add","path":"/data","value":{"a":"eA==","b":"eQ=="}},{"op":"replace","path":"/metadata/labels/x","value":"keep"}]"#.into(),
                Hint::Secret,
                3,
                "dg==",
            ),
            (
                format!(r#"{{"kind":"Secret","metadata":{{"annotations":{{"{LAST_APPLIED}":{applied}}}}},"data":{{"password":"aHVudGVyMg=="}}}}"#),
                Hint::None,
                2,
                "aHVudGVyMg==",
            ),
            (
                r#"{"kind":"TokenRequest","apiVersion":"authentication.k8s.io/v1","spec":{"audiences":["api"]},"status":{"token":"eyJhbGciOiJSUzI1NiJ9.e30.sig","expirationTimestamp":"2026-01-05T09:00:00Z"}}"#.into(),
                Hint::None,
                1,
                "eyJhbGciOiJSUzI1NiJ9",
            ),
            (
                r#"{"status":{"token":"eyJhbGciOiJSUzI1NiJ9.e30.sig"}}"#.into(),
                Hint::TokenRequest,
                1,
                "eyJhbGciOiJSUzI1NiJ9",
            ),
            (
                r#"{"kind":"TokenReview","spec":{"token":"eyJhbGciOiJSUzI1NiJ9.e30.sig"},"status":{"authenticated":true}}"#.into(),
                Hint::None,
                1,
                "eyJhbGciOiJSUzI1NiJ9",
            ),
            // Duplicate keys: both `data` members are redacted, whichever a reader keeps.
            (
                r#"{"kind":"ConfigMap","kind":"Secret","data":{"a":"dg=="},"data":{"b":"dw=="}}"#.into(),
                Hint::None,
                2,
                "dw==",
            ),
            // The kind spelt with escapes is still a Secret.
            (
                r#"{"kind":"Secr\u0065t","data":{"a":"dg=="}}"#.into(),
                Hint::None,
                1,
                "dg==",
            ),
            // A Table response with whole objects in its rows.
            (
                r#"{"kind":"Table","rows":[{"cells":["db"],"object":{"kind":"Secret","data":{"a":"dg=="}}}]}"#.into(),
                Hint::None,
                1,
                "dg==",
            ),
        ];
        for (body, hint, want, gone) in cases {
            let (out, n) = redact(&body, hint);
            assert_eq!(n, want, "{body} -> {out}");
            assert!(!out.contains(gone), "{body} -> {out}");
            assert!(
                serde_json::from_str::<serde_json::Value>(&out).is_ok(),
                "{out}"
            );
        }
        let (out, _) = redact(
            r#"{"kind":"List","items":[{"kind":"ConfigMap","data":{"k":"keep"}}]}"#,
            Hint::None,
        );
        assert!(out.contains("keep"));
    }

    #[test]
    fn other_bodies_are_untouched() {
        for body in [
            r#"{"kind":"ConfigMap","data":{"password":"plain"}}"#,
            r#"{"kind":"Pod","spec":{"automountServiceAccountToken":true}}"#,
            r#"{"kind":"Pod","spec":{"imagePullSecrets":[{"name":"Secret"}]}}"#,
            "not json",
            r#"{"kind":"Secret"}"#,
            r#"{"kind":"Secret","data":null}"#,
        ] {
            assert!(body_text(body, Hint::None, &key()).is_none(), "{body}");
        }
    }

    #[test]
    fn only_bodies_naming_a_kind_are_walked() {
        assert!(!may_hold_secret(
            r#"{"spec":{"imagePullSecrets":[{"name":"r"}],"automountServiceAccountToken":false}}"#
        ));
        for yes in [
            r#"{"kind":"Secret"}"#,
            r#"{"kind": "SecretList"}"#,
            r#"{"kind":"TokenRequest"}"#,
            r#"{"kind":"TokenReview"}"#,
            r#"{"kind":"Secr\u0065t"}"#,
        ] {
            assert!(may_hold_secret(yes), "{yes}");
        }
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let deep = format!(
            r#"{{"kind":"List","items":{}{{"kind":"Secret","data":{{"a":"dg=="}}}}{}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        let (out, n) = redact(&deep, Hint::None);
        assert!(n >= 1 && !out.contains("dg=="), "{out}");
    }
}
