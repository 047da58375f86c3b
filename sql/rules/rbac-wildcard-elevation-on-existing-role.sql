-- id: rbac-wildcard-elevation-on-existing-role
-- name: Kubernetes RBAC Wildcard Elevation on Existing Role
-- elastic_rule_id: c8f4a2e1-9b3d-4c7e-8f2a-1d0e5b6c7a89
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/privilege_escalation_role_patch_wildcard_verbs_resources_response.toml, updated 2026/04/27)
-- type: esql
-- language: esql
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0004 Privilege Escalation; T1098 Account Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Privilege Escalation; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: roles
-- requires: update | patch
-- requires: allow | granted
-- requires: RequestResponse
-- requires: ResponseComplete
-- requires: verbs
-- requires: *
-- references: https://attack.mitre.org/techniques/T1098/006/
--   https://kubernetes.io/docs/reference/access-authn-authz/rbac/
-- query: |
--   from logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | where
--     kubernetes.audit.objectRef.resource in ("roles", "clusterroles") and
--     kubernetes.audit.verb in ("update", "patch") and
--     `kubernetes.audit.annotations.authorization_k8s_io/decision` == "allow" and
--     kubernetes.audit.level == "RequestResponse" and
--     kubernetes.audit.stage == "ResponseComplete" and
--     kubernetes.audit.sourceIPs is not null and
--     not kubernetes.audit.sourceIPs in ("::1", "127.0.0.1") and
--     KQL(""" kubernetes.audit.responseObject.rules.verbs:"*" and kubernetes.audit.responseObject.rules.resources:"*" """)
--   | keep user.name, user_agent.original, event.action, source.ip, kubernetes.audit.verb, kubernetes.audit.objectRef.resource, kubernetes.audit.objectRef.name, kubernetes.audit.requestURI, kubernetes.audit.user.username, kubernetes.audit.user.groups, `kubernetes.audit.annotations.authorization_k8s_io/decision`, event.original, _id, _version, _index, data_stream.namespace
-- what: |
--   Flags an existing Role or ClusterRole being changed (patch or update) so the effective rules
--   become cluster-admin-like: wildcard on every API resource and wildcard on every verb. That is
--   usually a deliberate privilege expansion, not a typo. RequestResponse audit and the response
--   body are required so the detection reads the merged role after apply; loopback source IPs are
--   ignored.
-- why: |
--   Someone patched or updated a Role or ClusterRole so the stored rules grant star verbs and star
--   resources—near
--   cluster-admin breadth on that scope. Confirm the actor (user, group, impersonation), client,
--   and non-loopback source
--   IP; then see who can bind that role.
-- triage: |
--   - Diff the role YAML before and after; list RoleBindings and ClusterRoleBindings that
--     reference it and which subjects
--   gained the widened access.
--   - In the same window, check secret reads, exec, and further RBAC changes from the same
--     identity.
-- false_positives: |
--   - Approved GitOps or vendor upgrades sometimes widen a known ClusterRole; allowlist stable
--     automation when documented.
SELECT *
FROM audit
-- ES|QL row filter: plain SQL three-valued logic (a null test drops the row, as in ES|QL).
WHERE resource IN ('roles', 'clusterroles')
  AND verb IN ('update', 'patch')
  AND authz_decision = 'allow'
  AND level = 'RequestResponse'
  AND stage = 'ResponseComplete'
  -- `sourceIPs is not null and not sourceIPs in (...)`: ES|QL's IN on a multi-valued field is
  -- null, so only events with exactly one source IP, not a loopback one, pass.
  AND cardinality(source_ips) = 1 AND NOT source_ips[1] IN ('::1', '127.0.0.1')
  -- KQL(`responseObject.rules.verbs:"*" and responseObject.rules.resources:"*"`): quoted "*" is a
  -- literal asterisk; the two may come from different PolicyRules of the role, as Elasticsearch
  -- indexes object arrays (the integration maps `rules` as `nested`; the port follows the intent).
  AND coalesce(array_has(object_fields['responseObject.rules.verbs'], '*'), false)
  AND coalesce(array_has(object_fields['responseObject.rules.resources'], '*'), false)
