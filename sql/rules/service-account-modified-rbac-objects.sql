-- id: service-account-modified-rbac-objects
-- name: Kubernetes Service Account Modified RBAC Objects
-- elastic_rule_id: f2e21713-1eac-4908-a782-1b49c7e9d53b
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/privilege_escalation_service_account_rbac_write_operation.toml, updated 2026/04/10)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0004 Privilege Escalation; T1098 Account Manipulation | TA0003 Persistence; T1098 Account Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Privilege Escalation; Tactic: Persistence; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: system:serviceaccount:
-- requires: allow | granted
-- requires: roles | rolebindings
-- references: https://heilancoos.github.io/research/2025/12/16/kubernetes.html#overly-permissive-role-based-access-control
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   kubernetes.audit.user.username:(
--     system\:serviceaccount\:* and not (
--       "system:serviceaccount:kube-system:clusterrole-aggregation-controller" or
--       "system:serviceaccount:kube-system:generic-garbage-collector"
--     )
--   ) and
--   kubernetes.audit.objectRef.resource:("clusterrolebindings" or "clusterroles" or "rolebindings" or "roles") and
--   kubernetes.audit.verb:("create" or "delete" or "patch" or "update")
-- what: |
--   Detects write operations performed by Kubernetes service accounts against RBAC resources
--   (Roles, ClusterRoles, RoleBindings, ClusterRoleBindings). Service accounts typically do not
--   manage RBAC directly; this activity may indicate token abuse, misconfigured permissions, or
--   unauthorized privilege escalation.
-- why: |
--   This rule detects Kubernetes service accounts performing allowed write actions on RBAC
--   resources such as Roles and RoleBindings, which is atypical because service accounts rarely
--   administer permissions. It matters because stolen or over-privileged service account tokens
--   can silently alter authorization to gain or retain elevated access across the cluster. An
--   attacker commonly uses a compromised workload’s token to create or patch a binding that grants
--   cluster-admin privileges to their service account for persistent control.
-- triage: |
--   - Retrieve the full audit event and diff the before/after RBAC object to identify newly
--     granted subjects, verbs, resources, and cluster-admin or wildcard permissions.
--   - Trace the acting service account to its owning workload (Deployment/Pod) and node, then
--     review recent image changes, restarts, exec sessions, and container logs around the event
--     time for compromise indicators.
--   - Determine whether the change is attributable to an expected controller or GitOps/CI
--     automation by correlating with change tickets, pipeline runs, and repository commits for
--     RBAC manifests.
--   - Validate whether the service account token may be abused by checking for unusual API access
--     patterns, source IPs/user agents, and cross-namespace activity compared to its baseline
--     behavior.
--   - Contain if suspicious by reverting the RBAC change, rotating the service account token (and
--     any mounted secrets), and tightening the service account’s Role/ClusterRole to least
--     privilege.
-- false_positives: |
--   - A platform automation running in-cluster (e.g., a controller or CI job using a service
--     account) legitimately applies RBAC manifests during routine deployment, upgrades, or
--     namespace onboarding, resulting in create/patch/update of Roles or RoleBindings.
--   - A Kubernetes operator or housekeeping workflow running under a service account intentionally
--     adjusts RBAC as part of maintenance (e.g., rotating access, reconciling drift, or cleaning
--     up obsolete bindings) and triggers allowed delete or update actions on RBAC resources.
SELECT *
FROM audit
WHERE authz_decision = 'allow'
  AND starts_with(user_name, 'system:serviceaccount:')
  AND user_name NOT IN ('system:serviceaccount:kube-system:clusterrole-aggregation-controller',
                        'system:serviceaccount:kube-system:generic-garbage-collector')
  AND resource IN ('clusterrolebindings', 'clusterroles', 'rolebindings', 'roles')
  AND verb IN ('create', 'delete', 'patch', 'update')
