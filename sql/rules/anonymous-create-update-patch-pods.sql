-- id: anonymous-create-update-patch-pods
-- name: Kubernetes Anonymous User Create/Update/Patch Pods Request
-- elastic_rule_id: 3a01e5c6-ce01-46d7-ac9f-52dc349695fb
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/execution_anonymous_create_update_patch_pod_request.toml, updated 2026/04/10)
-- type: eql
-- language: eql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0002 Execution; T1610 Deploy Container
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Execution; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: pods
-- requires: create | update | patch
-- requires: Request | ResponseComplete
-- query: |
--   any where data_stream.dataset == "kubernetes.audit_logs" and (
--       kubernetes.audit.user.username in ("system:anonymous", "system:unauthenticated") or
--       kubernetes.audit.user.username == null or
--       kubernetes.audit.user.username == ""
--     ) and kubernetes.audit.level in ("RequestResponse", "ResponseComplete", "Request") and kubernetes.audit.verb in ("create", "update", "patch") and
--   kubernetes.audit.objectRef.resource == "pods"
-- what: |
--   This rule detects attempts to create, update, or patch pods by an anonymous user. An anonymous
--   user is a user that is not authenticated or authorized to access the Kubernetes API server.
--   Creating, updating, or patching pods is a common activity for attackers to gain access to the
--   cluster and execute commands.
-- why: |
--   This rule detects attempts to create, update, or patch pods by an anonymous user. An anonymous
--   user is a user that is not authenticated or authorized to access the Kubernetes API server.
--   Creating, updating, or patching pods is a common activity for attackers to gain access to the
--   cluster and execute commands.
-- triage: |
--   - Review the matching events' user, source IPs, user agent and object.
-- false_positives: |
--   -
SELECT *
FROM audit
WHERE (user_name IN ('system:anonymous', 'system:unauthenticated') OR user_name IS NULL OR user_name = '')
  -- The rule's level list holds a stage name (ResponseComplete): kept as written.
  AND level IN ('RequestResponse', 'ResponseComplete', 'Request')
  AND verb IN ('create', 'update', 'patch')
  AND resource = 'pods'
