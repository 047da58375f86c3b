-- id: cluster-admin-role-binding-created
-- name: Kubernetes Cluster-Admin Role Binding Created
-- elastic_rule_id: a2951930-dd35-438c-b10e-1bbdc5881cb4
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/persistence_cluster_admin_rolebinding_created.toml, updated 2026/04/10)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0003 Persistence; T1098 Account Manipulation | TA0004 Privilege Escalation; T1098 Account Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Persistence; Tactic: Privilege Escalation; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: cluster-admin
-- requires: rolebindings
-- requires: create
-- requires: allow | granted
-- requires: RequestResponse
-- requires: ResponseComplete
-- references: https://heilancoos.github.io/research/2025/12/16/kubernetes.html#overly-permissive-role-based-access-control
-- query: |
--   data_stream.dataset: "kubernetes.audit_logs" and kubernetes.audit.objectRef.resource:("clusterrolebindings" or "rolebindings") and
--   kubernetes.audit.verb:"create" and kubernetes.audit.requestObject.roleRef.name:"cluster-admin" and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   kubernetes.audit.level:"RequestResponse" and kubernetes.audit.stage:"ResponseComplete"
-- what: |
--   This rule detects the creation of a RoleBinding or ClusterRoleBinding that grants the cluster-
--   admin ClusterRole, which provides unrestricted access to all Kubernetes resources and
--   represents a high-risk privilege escalation or misconfiguration.
-- why: |
--   This rule flags when someone creates a RoleBinding or ClusterRoleBinding that assigns the
--   cluster-admin role, which grants unrestricted control over every Kubernetes resource and
--   enables rapid privilege escalation or persistence. Attackers often abuse a stolen namespace
--   service account to bind it to cluster-admin, then pivot to read secrets, change security
--   controls, or deploy a privileged DaemonSet across all nodes to maintain control.
-- triage: |
--   - Identify who created the binding by reviewing the audit event user identity, groups, source
--     IP, and user agent, and confirm whether it matches an approved admin workflow or automation.
--   - Inspect the created RoleBinding or ClusterRoleBinding to determine which subject received
--     cluster-admin, whether it targets a service account or external identity, and whether the
--     subject is expected to have cluster-wide privileges.
--   - Correlate the creator and bound subject with recent authentication events and credential
--     changes to spot compromised accounts, unusual access locations, or use of long-lived tokens.
--   - Review subsequent Kubernetes audit activity from the same actor or newly privileged subject
--     for rapid follow-on actions such as listing secrets, creating privileged pods/daemonsets,
--     modifying RBAC, or disabling admission controls.
--   - Validate the change against change management records and repository-based RBAC manifests,
--     and if unauthorized, assess scope by enumerating other recent privileged RBAC grants created
--     around the same time.
-- false_positives: |
--   - A cluster bootstrap, upgrade, or recovery workflow legitimately creates or re-creates a
--     ClusterRoleBinding/RoleBinding to `cluster-admin` for a break-glass admin user or core
--     control-plane service account as part of restoring expected RBAC state.
--   - An approved operational change temporarily grants `cluster-admin` to a namespace service
--     account or automation identity to perform broad maintenance tasks (e.g., installing cluster-
--     scoped resources), and the binding creation is captured during the allowed change window.
SELECT *
FROM audit
WHERE resource IN ('clusterrolebindings', 'rolebindings')
  AND verb = 'create'
  -- roleRef.name only: a binding to a ClusterRole named `cluster-admin` (a namespaced Role of that
  -- name matches too, as in the rule, which does not test roleRef.kind). Elastic's integration
  -- does not map requestObject.roleRef.name; the port tests the value as a keyword, the intent.
  AND array_has(object_fields['requestObject.roleRef.name'], 'cluster-admin')
  AND authz_decision = 'allow'
  AND level = 'RequestResponse'
  AND stage = 'ResponseComplete'
