-- id: secret-get-or-list-suspicious-user-agent
-- name: Kubernetes Secret get or list with Suspicious User Agent
-- elastic_rule_id: a4c8e901-2b7f-4d6e-9a3c-8e1f0d5b6c2a
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/credential_access_kubernetes_secret_access_scripting_http_clients.toml, updated 2026/04/22)
-- type: query
-- language: kuery
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0006 Credential Access; T1552 Unsecured Credentials
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Credential Access; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: secrets
-- requires: get | list
-- references: https://attack.mitre.org/techniques/T1552/007/
--   https://kubernetes.io/docs/concepts/configuration/secret/
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   event.action:(get or list) and
--   kubernetes.audit.objectRef.resource:"secrets" and
--   user_agent.original:(curl* or python* or Python* or wget* or Go-http* or perl* or java* or node* or php* or *distrib#kali* or *kali-amd64 or *kali-arm64*) and
--   source.ip:*
-- what: |
--   Detects read access to Kubernetes Secrets (`get`/`list`) with a user agent matching a curated
--   set of non-standard or attacker-leaning clients, for example minimal HTTP tooling, common
--   scripting stacks, default library fingerprints, or distribution-tagged strings associated with
--   offensive-security Linux images. Legitimate in-cluster automation usually presents stable,
--   purpose-specific user agents (for example controller or client-go variants used by known
--   components).
-- why: |
--   The rule matches Kubernetes audit events for **secret** `get`/`list` where
--   **`user_agent.original`** matches a **small
--   allowlist of suspicious patterns** (scripting runtimes, bare HTTP clients, and known
--   offensive-distro markers) and
--   **`source.ip` is populated**. It is meant to highlight **credential access** where the client
--   fingerprint does not look
--   like routine kubectl or well-known controller traffic relative to your environment.
-- triage: |
--   - Tie `user.name` (and `kubernetes.audit.impersonatedUser.*` if present) to a human, service
--     account, or cloud identity
--   and validate whether that principal should use this user-agent profile against the targeted
--   namespaces and secret names.
--   - Review `kubernetes.audit.objectRef.namespace` and `kubernetes.audit.objectRef.name` for
--     high-value objects (service
--   account tokens, cloud IAM bindings, registry pulls, TLS bundles).
--   - Pivot on `source.ip` in VPC flow, VPN, or proxy logs to determine origin (employee laptop,
--     compromised host, cloud
--   instance) and correlate with other API bursts or exec activity.
--   - Check `kubernetes.audit.annotations.authorization_k8s_io/decision` for successful reads
--     versus failed probing.
-- false_positives: |
--   - CI, GitOps, or one-off scripts can emit generic user agents with broad RBAC; exclude stable
--     pipelines and service
--   accounts after review.
--   - Local API server loopback may still populate `source.ip` in some topologies; compare with
--     expected control-plane paths.
SELECT *
FROM audit
WHERE verb IN ('get', 'list')
  AND resource = 'secrets'
  -- KQL wildcards on a keyword are case-sensitive, hence both python* and Python*.
  AND (starts_with(user_agent, 'curl') OR starts_with(user_agent, 'python')
       OR starts_with(user_agent, 'Python') OR starts_with(user_agent, 'wget')
       OR starts_with(user_agent, 'Go-http') OR starts_with(user_agent, 'perl')
       OR starts_with(user_agent, 'java') OR starts_with(user_agent, 'node')
       OR starts_with(user_agent, 'php') OR user_agent LIKE '%distrib#kali%'
       OR user_agent LIKE '%kali-amd64' OR user_agent LIKE '%kali-arm64%')
  -- source.ip:* (the field exists: at least one address)
  AND cardinality(source_ips) > 0
