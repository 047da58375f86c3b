-- id: api-request-impersonating-privileged-identity
-- name: Kubernetes API Request Impersonating Privileged Identity
-- elastic_rule_id: abb7bc31-b865-4318-80a9-b9ee4edd57b6
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/privilege_escalation_kubernetes_api_request_impersonating_privileged_identity.toml, updated 2026/05/05)
-- type: query
-- language: kuery
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0004 Privilege Escalation; T1134 Access Token Manipulation | TA0005 Defense Evasion; T1134 Access Token Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Privilege Escalation; Tactic: Defense Evasion; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: impersonatedUser
-- requires: allow | granted
-- references: https://kubernetes.io/docs/reference/access-authn-authz/authentication/#user-impersonation
-- query: |
--   data_stream.dataset:kubernetes.audit_logs and
--   kubernetes.audit.impersonatedUser.username:(* and not ("eks-event-service:event-controller" or eks\:*)) and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:allow and
--   kubernetes.audit.verb:(create or delete or get or list or patch or update) and
--   (kubernetes.audit.impersonatedUser.username:(admin or cluster-admin or kubernetes-admin or "system:admin" or "system:anonymous" or "system:apiserver" or "system:kube-controller-manager" or "system:kube-proxy" or "system:kube-scheduler" or "system:volume-scheduler" or system\:node\:* or system\:serviceaccount\:kube-system\:*) or kubernetes.audit.impersonatedUser.groups:(cluster-admin or "system:cluster-admins" or "system:masters")) and
--   not user.name:(acsService or aksService or masterclient or nodeclient or "system:kube-controller-manager" or "system:kube-scheduler" or arn\:aws\:iam\:*\:role/aws-service-role* or arn\:aws\:sts\:*\:assumed-role/AWSServiceRoleForAmazonEKS* or arn\:aws\:sts\:*\:assumed-role/AWSServiceRoleForAmazonEKSNodegroup* or eks\:* or system\:node\:* or system\:serviceaccount\:kube-system\:*)
-- what: |
--   Detects Kubernetes API requests where a user is impersonating a privileged cluster identity
--   such as system:kube-controller-manager, system:admin, system:anonymous, or a member of the
--   system:masters group. These identities have broad cluster-wide permissions including
--   unrestricted access to all secrets, the ability to create tokens for any service account,
--   schedule pods on any node, and modify RBAC policies. An attacker impersonating system:masters
--   gains full cluster-admin equivalent access, while impersonating system:kube-controller-manager
--   grants access to every secret in every namespace and the ability to mint service account
--   tokens for lateral movement.
-- why: |
--   Compare the real actor (user.name, groups, source.ip, user_agent.original) with impersonated
--   fields (kubernetes.audit.impersonatedUser.username, kubernetes.audit.impersonatedUser.groups).
--   Confirm whether
--   impersonation is authorized for that principal and target identity.
-- triage: |
--   - Review kubernetes.audit.requestURI, kubernetes.audit.verb, and kubernetes.audit.objectRef
--     for the scope of the
--   operation performed while impersonating.
--   - Determine whether the real user or service account should have impersonate rights against
--     the impersonated user
--   or group; inspect RBAC impersonate verb bindings and any recent changes.
--   - Correlate with adjacent audit activity (secrets, tokens, RBAC writes, CSR approval) from the
--     same source identity.
--   - Hunt for repeated impersonation across namespaces or rapid pivoting after the event.
-- false_positives: |
--       Break-glass admin tooling, security scanners, or approved controllers that legitimately use impersonation with
--       privileged targets may match if not covered by exclusions. Map expected callers and expand `not user.name`
--       filters as needed for your environment.
SELECT *
FROM audit
-- impersonatedUser.username:(* and not (...)): present and not empty (Elastic drops empty strings).
WHERE nullif(impersonated_user_name, '') IS NOT NULL
  AND impersonated_user_name <> 'eks-event-service:event-controller'
  AND NOT starts_with(impersonated_user_name, 'eks:')
  AND authz_decision = 'allow'
  AND verb IN ('create', 'delete', 'get', 'list', 'patch', 'update')
  AND (impersonated_user_name IN ('admin', 'cluster-admin', 'kubernetes-admin', 'system:admin',
                                  'system:anonymous', 'system:apiserver',
                                  'system:kube-controller-manager', 'system:kube-proxy',
                                  'system:kube-scheduler', 'system:volume-scheduler')
       OR starts_with(impersonated_user_name, 'system:node:')
       OR starts_with(impersonated_user_name, 'system:serviceaccount:kube-system:')
       -- Any impersonated group equal to one of these (schema 2; null in version 1 archives).
       -- Elastic maps impersonatedUser.groups as `text`, so its KQL is an analysed match there
       -- (lower-cased tokens: `cluster-admin` unquoted matches any group with a token `cluster`
       -- or `admin`); the port takes the three values as exact group names, the rule's intent,
       -- as the pack's other group tests do.
       OR coalesce(array_has_any(impersonated_user_groups,
                                 make_array('cluster-admin', 'system:cluster-admins', 'system:masters')), false))
  -- KQL `not`: a missing user name satisfies it.
  AND NOT coalesce(user_name IN ('acsService', 'aksService', 'masterclient', 'nodeclient',
                                 'system:kube-controller-manager', 'system:kube-scheduler')
                   OR user_name LIKE 'arn:aws:iam:%:role/aws-service-role%'
                   OR user_name LIKE 'arn:aws:sts:%:assumed-role/AWSServiceRoleForAmazonEKS%'
                   OR user_name LIKE 'arn:aws:sts:%:assumed-role/AWSServiceRoleForAmazonEKSNodegroup%'
                   OR starts_with(user_name, 'eks:')
                   OR starts_with(user_name, 'system:node:')
                   OR starts_with(user_name, 'system:serviceaccount:kube-system:'), false)
