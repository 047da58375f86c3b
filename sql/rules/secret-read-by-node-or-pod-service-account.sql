-- id: secret-read-by-node-or-pod-service-account
-- name: Kubernetes Secret get or list from Node or Pod Service Account
-- elastic_rule_id: f8a31c62-0d4e-4b9a-b7e1-6c2a9d4e8f10
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/credential_access_kubernetes_secret_read_by_node_or_pod_service_account.toml, updated 2026/06/02)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0006 Credential Access; T1552 Unsecured Credentials
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Credential Access; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: secrets
-- requires: get | list
-- requires: system:serviceaccount: | system:node:
-- references: https://attack.mitre.org/techniques/T1552/007/
--   https://kubernetes.io/docs/reference/access-authn-authz/authentication/#service-account-tokens
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   event.action:(get or list) and
--   kubernetes.audit.objectRef.resource:"secrets" and
--   user.name:(system\:serviceaccount\:* or system\:node\:*) and source.ip:(* and not "127.0.0.1") and
--   not kubernetes.audit.user.groups:(
--     "system:serviceaccounts:flux-system"
--     or "system:serviceaccounts:kyverno"
--     or "system:serviceaccounts:ibm-csi"
--     or "system:serviceaccounts:harvester-system"
--     or "system:serviceaccounts:cattle-system"
--     or "system:serviceaccounts:cattle-monitoring-system"
--     or system\:serviceaccounts\:cluster-fleet-local-local-*
--     or "system:serviceaccounts:rabbitmq-system"
--     or "system:serviceaccounts:cattle-fleet-system"
--   ) and
--   not (kubernetes.audit.user.username:"system:serviceaccount:security:trivy-operator" and kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name :trivy-operator-*) and
--   not (kubernetes.audit.user.username:"system:serviceaccount:cert-manager:cert-manager-cainjector" and kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name:cert-manager-cainjector-*) and
--   not (kubernetes.audit.user.username:"system:serviceaccount:monitoring:plat-central-monitoring-pr-operator" and kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name:plat-central-monitoring-pr-operator*) and
--   not (kubernetes.audit.user.username:"system:serviceaccount:cert-manager:cert-manager" and kubernetes.audit.user.extra.authentication.kubernetes.io/pod-name:cert-manager-*)
-- what: |
--   Kubernetes audit identities for kubelet (`system:node:*`) and workloads
--   (`system:serviceaccount:*`) are meant to operate with tight, predictable API usage. Direct
--   `get` or `list` on the Secrets API from those principals is often a sign of credential access.
--   Attackers who stole a pod service-account token or node credentials sweep Secret objects for
--   tokens, registry credentials, TLS keys, or application configuration. Even denied attempts
--   still reveal intent to reach sensitive material. Legitimate controllers do read secrets they
--   mount or manage, so this signal is most valuable when paired with triage (namespace scope,
--   user agent, RBAC, and whether the identity should touch those secret names at all).
-- why: |
--   This rule fires on Kubernetes audit events where the authenticated user is a node
--   (`system:node:<nodename>`) or a
--   pod service account (`system:serviceaccount:<namespace>:<name>`) and the verb maps to read-
--   style access
--   (`get`, `list`) on the **secrets** resource. Treat node-originated secret reads as high
--   priority: kubelet should
--   not broadly enumerate cluster secrets. For service accounts, prioritize cross-namespace
--   access, access to
--   high-value secret names, and clients that do not match the workload’s normal user agent or
--   deployment.
-- triage: |
--   - Resolve `user.name` (or `kubernetes.audit.user.username` if present) to the node or workload
--     and review RBAC
--   RoleBindings and ClusterRoleBindings for secret `get`/`list` scope.
--   - Inspect `kubernetes.audit.objectRef.namespace`, `kubernetes.audit.objectRef.name`, source
--     IP, and
--   `user_agent.original` for automation you recognize versus anomalous scripts or generic HTTP
--   clients.
--   - Review `kubernetes.audit.annotations.authorization_k8s_io/decision` for successful reads
--     versus probing denials.
--   - Correlate with pod exec, token creation, RoleBinding changes, or secret modification in the
--     same time window.
-- false_positives: |
--   - Controllers that reconcile Secrets (e.g. cert-manager, external-secrets, sealed-secrets) may
--     match; allowlist their
--   service accounts if behavior is expected and scoped.
--   - Helm and package managers can list release secrets during deploys; correlate with pipelines
--     and chart releases.
SELECT *
FROM audit
WHERE verb IN ('get', 'list')
  AND resource = 'secrets'
  AND (starts_with(user_name, 'system:serviceaccount:') OR starts_with(user_name, 'system:node:'))
  -- source.ip:(* and not "127.0.0.1"): some address, and none of them is 127.0.0.1
  AND cardinality(source_ips) > 0
  AND NOT array_has(source_ips, '127.0.0.1')
  -- KQL `not` on a list: no element matches (a missing list satisfies `not`).
  AND NOT coalesce(array_has_any(user_groups, make_array(
        'system:serviceaccounts:flux-system', 'system:serviceaccounts:kyverno',
        'system:serviceaccounts:ibm-csi', 'system:serviceaccounts:harvester-system',
        'system:serviceaccounts:cattle-system', 'system:serviceaccounts:cattle-monitoring-system',
        'system:serviceaccounts:rabbitmq-system', 'system:serviceaccounts:cattle-fleet-system')), false)
  AND NOT coalesce(regexp_like(array_to_string(user_groups, chr(10)),
        '(?m)^system:serviceaccounts:cluster-fleet-local-local-'), false)
  AND NOT coalesce(user_name = 'system:serviceaccount:security:trivy-operator'
        AND regexp_like(array_to_string(user_extra['authentication.kubernetes.io/pod-name'], chr(10)), '(?m)^trivy-operator-'), false)
  AND NOT coalesce(user_name = 'system:serviceaccount:cert-manager:cert-manager-cainjector'
        AND regexp_like(array_to_string(user_extra['authentication.kubernetes.io/pod-name'], chr(10)), '(?m)^cert-manager-cainjector-'), false)
  AND NOT coalesce(user_name = 'system:serviceaccount:monitoring:plat-central-monitoring-pr-operator'
        AND regexp_like(array_to_string(user_extra['authentication.kubernetes.io/pod-name'], chr(10)), '(?m)^plat-central-monitoring-pr-operator'), false)
  AND NOT coalesce(user_name = 'system:serviceaccount:cert-manager:cert-manager'
        AND regexp_like(array_to_string(user_extra['authentication.kubernetes.io/pod-name'], chr(10)), '(?m)^cert-manager-'), false)
