-- id: client-certificate-signing-request-created-or-approved
-- name: Kubernetes Client Certificate Signing Request Created or Approved
-- elastic_rule_id: 0f5941c6-3db9-4d2f-91df-06c7c292ba45
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/persistence_kubernetes_client_certificate_signing_request_created_or_approved.toml, updated 2026/05/05)
-- type: query
-- language: kuery
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0003 Persistence; T1098 Account Manipulation | TA0004 Privilege Escalation; T1098 Account Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Persistence; Tactic: Privilege Escalation; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: certificatesigningrequests
-- requires: allow | granted
-- references: https://kubernetes.io/docs/reference/access-authn-authz/certificate-signing-requests/
--   https://attack.mitre.org/techniques/T1098/
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   kubernetes.audit.objectRef.resource:"certificatesigningrequests" and
--   kubernetes.audit.verb:("create" or "update" or "patch") and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   not user.name:(
--     system\:kube-controller-manager or
--     system\:kube-scheduler or
--     system\:node\:* or
--     system\:serviceaccount\:kube-system\:* or
--     eks\:* or aksService
--   )
-- what: |
--   Detects creation or approval of a Kubernetes CertificateSigningRequest (CSR) by a non-system
--   identity. Attackers who have gained cluster access can submit a CSR with a privileged Common
--   Name such as system:kube-controller-manager or system:masters, then approve it themselves to
--   obtain a long-lived client certificate. Unlike service account tokens which expire in hours,
--   client certificates persist until they expire or the cluster CA is rotated, providing durable
--   access that survives pod termination, token revocation, and RBAC changes. On non-EKS clusters,
--   the signed certificate allows the attacker to authenticate as the privileged identity from
--   anywhere without needing cluster network access, making it one of the most persistent backdoor
--   mechanisms available in Kubernetes.
-- why: |
--   Identify the actor (`user.name`, groups), client (`user_agent.original`), and `source.ip`.
--   Confirm whether the
--   principal is expected to create or approve CSRs. Review `kubernetes.audit.requestURI` and,
--   when audit level captures
--   request bodies, the CSR `spec` (requested signer, usages, and requested identity / Common
--   Name).
-- triage: |
--   - Compare the CSR name and extracted CN against approved PKI or bootstrap processes.
--   - Determine whether the same identity both created and approved or patched the CSR in a short
--     window, which matches
--   self-approval abuse.
--   - Review `kubernetes.audit.objectRef` and subsequent authentication or API activity from
--     unusual networks.
--   - Correlate with RBAC changes, secret access, or TokenRequest activity that preceded CSR
--     activity.
-- false_positives: |
--       Approved certificate workflows (for example cert-manager, internal PKI rotation, or node bootstrap) may create or
--       update CSRs from identities not in the exclusion list if they run under a custom service account. Baseline
--       automation that legitimately approves CSRs and tune exclusions for those principals.
SELECT *
FROM audit
WHERE resource = 'certificatesigningrequests'
  AND verb IN ('create', 'update', 'patch')
  AND authz_decision = 'allow'
  AND NOT coalesce(user_name IN ('system:kube-controller-manager', 'system:kube-scheduler', 'aksService')
                   OR starts_with(user_name, 'system:node:')
                   OR starts_with(user_name, 'system:serviceaccount:kube-system:')
                   OR starts_with(user_name, 'eks:'), false)
