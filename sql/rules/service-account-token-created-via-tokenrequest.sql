-- id: service-account-token-created-via-tokenrequest
-- name: Kubernetes Service Account Token Created via TokenRequest API
-- elastic_rule_id: 4df91789-7859-4bc4-9c5a-6b56bfa81a8b
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/credential_access_kubernetes_service_account_token_created_via_tokenrequest.toml, updated 2026/05/05)
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
-- requires: serviceaccounts
-- requires: token
-- requires: create
-- references: https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/token-v1/
--   https://attack.mitre.org/techniques/T1552/007/
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   kubernetes.audit.verb:"create" and
--   kubernetes.audit.objectRef.resource:"serviceaccounts" and
--   kubernetes.audit.objectRef.subresource:"token" and
--   user.name:(* and not
--    (system\:kube-controller-manager or
--     system\:kube-scheduler or
--     system\:node\:* or
--     system\:serviceaccount\:kube-system\:* or
--     eks\:* or
--     aksService or
--     aks-service or
--     masterclient or
--     nodeclient or
--     system\:serviceaccount\:gke-managed-system\:* or
--     system\:serviceaccount\:gke-connect\:* or
--     system\:serviceaccount\:anthos-identity-service\:* or
--     system\:gke-controller-manager or
--     system\:serviceaccount\:tigera-operator\:* or
--     system\:serviceaccount\:calico-system\:*))
-- what: |
--   Detects the creation of a Kubernetes service account token through the TokenRequest API by a
--   non-system identity. The TokenRequest API allows users and workloads to programmatically
--   generate short-lived tokens for any service account they have create permissions on, without
--   accessing the filesystem or the mounted projected token. Attackers who have gained initial
--   access to a cluster can abuse this API to mint tokens for more privileged service accounts,
--   pivot to cloud provider resources via IRSA/workload identity, or generate long-lived tokens
--   that persist beyond pod termination. Unlike mounted service account tokens which are
--   detectable through file access monitoring, tokens created via the TokenRequest API leave no
--   filesystem footprint, they are only visible in Kubernetes audit logs as a create verb on the
--   serviceaccounts/token subresource. This rule excludes legitimate system components such as the
--   kubelet, kube-controller-manager, and cloud provider managed identities (EKS, AKS, GKE) that
--   routinely create tokens for pod lifecycle management.
-- why: |
--   This alert indicates a successful `create` against the `serviceaccounts/token` subresource
--   (TokenRequest API), which
--   issues a new service account token without a filesystem read. In EKS and other managed
--   clusters, this can be abused to
--   mint tokens for more privileged service accounts (including IRSA-linked ones) and pivot to
--   cloud APIs.
--   #### What to review first
--   - Actor and origin:
--   - `user.name` / `kubernetes.audit.user.username`
--   - `source.ip` / `kubernetes.audit.sourceIPs`
--   - `user_agent.original` / `kubernetes.audit.userAgent`
--   - For cloud identity, review `kubernetes.audit.user.extra.*` (e.g., `arn`, `principalId`).
--   - Targeted service account:
--   - `kubernetes.audit.objectRef.namespace` and `kubernetes.audit.objectRef.name`
--   - `kubernetes.audit.requestURI` (should resemble
--     `/api/v1/namespaces/<ns>/serviceaccounts/<sa>/token`)
--   - Token issuance hints:
--   - `kubernetes.audit.annotations.authentication_kubernetes_io/issued-credential-id` (token
--     JTI/issued credential id)
--   #### Scoping
--   - Identify which Role/ClusterRoleBindings grant the actor `create` on `serviceaccounts/token`
--     in the affected namespace.
--   - Pivot on the same `user.name` and `source.ip` for follow-on secret reads, pod exec, RBAC
--     changes, or cloud API calls.
-- triage: |
--   - Review the matching events' user, source IPs, user agent and object.
-- false_positives: |
--       New automation, admission webhooks, or platform agents that legitimately call the TokenRequest API under a
--       non-standard user string may require narrow exclusions by user.name or source IP.
SELECT *
FROM audit
WHERE verb = 'create'
  AND resource = 'serviceaccounts'
  AND subresource = 'token'
  -- user.name:* : Elastic's pipeline drops empty strings, so an empty user name does not exist.
  AND nullif(user_name, '') IS NOT NULL
  AND NOT (user_name IN ('system:kube-controller-manager', 'system:kube-scheduler', 'aksService',
                         'aks-service', 'masterclient', 'nodeclient', 'system:gke-controller-manager')
           OR starts_with(user_name, 'system:node:')
           OR starts_with(user_name, 'system:serviceaccount:kube-system:')
           OR starts_with(user_name, 'eks:')
           OR starts_with(user_name, 'system:serviceaccount:gke-managed-system:')
           OR starts_with(user_name, 'system:serviceaccount:gke-connect:')
           OR starts_with(user_name, 'system:serviceaccount:anthos-identity-service:')
           OR starts_with(user_name, 'system:serviceaccount:tigera-operator:')
           OR starts_with(user_name, 'system:serviceaccount:calico-system:'))
