-- id: ephemeral-container-added-to-pod
-- name: Kubernetes Ephemeral Container Added to Pod
-- elastic_rule_id: c62733ff-9373-4fdf-9733-3d992e148c93
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/privilege_escalation_kubernetes_ephemeral_container_added_to_pod.toml, updated 2026/05/07)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0004 Privilege Escalation; T1611 Escape to Host | TA0002 Execution; T1609 Container Administration Command
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Privilege Escalation; Tactic: Execution; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: ephemeralcontainers
-- requires: allow | granted
-- references: https://kubernetes.io/docs/concepts/workloads/pods/ephemeral-containers/
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   kubernetes.audit.objectRef.resource:"pods" and
--   kubernetes.audit.objectRef.subresource:"ephemeralcontainers" and
--   kubernetes.audit.verb:("update" or "patch") and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   not user.name:(
--     system\:node\:* or
--     system\:serviceaccount\:kube-system\:*
--   )
-- what: |
--   Detects allowed updates to the pods/ephemeralcontainers subresource by a non-system identity.
--   Ephemeral containers are commonly used for debugging (kubectl debug) but can also be abused to
--   inject tooling into a running pod, access mounted secrets, and execute commands in the target
--   pod context. Attackers with sufficient RBAC may use ephemeral containers to escalate
--   privileges, move laterally, or establish persistence without deploying a new workload.
-- why: |
--   Ephemeral containers allow adding a container to an existing pod for troubleshooting. When
--   abused, they can be used to
--   gain interactive access to a workload, read sensitive files, and run tools that were not
--   present in the original image.
-- triage: |
--   - Review the actor (user.name, groups), source.ip, and user_agent.original and confirm the
--     identity is authorized to use ephemeral containers.
--   - Inspect kubernetes.audit.objectRef (namespace, name) to identify the targeted pod and
--     workload owner.
--   - If request bodies are captured, review the ephemeral container image, command, and
--     securityContext for privilege indicators.
--   - Correlate with follow-on audit activity such as pod exec, secret reads, TokenRequest, or
--     RBAC modifications.
-- false_positives: |
--       Cluster operators or SREs may legitimately use ephemeral containers for debugging production workloads. Baseline
--       approved admin identities and tune exclusions for known automation.
SELECT *
FROM audit
WHERE resource = 'pods'
  AND subresource = 'ephemeralcontainers'
  AND verb IN ('update', 'patch')
  AND authz_decision = 'allow'
  AND NOT coalesce(starts_with(user_name, 'system:node:')
                   OR starts_with(user_name, 'system:serviceaccount:kube-system:'), false)
