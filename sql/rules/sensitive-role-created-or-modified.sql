-- id: sensitive-role-created-or-modified
-- name: Kubernetes Creation or Modification of Sensitive Role
-- elastic_rule_id: 0fb25791-d8d4-42ab-8fc7-4954642de85f
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/persistence_sensitive_role_creation_or_modification.toml, updated 2026/04/27)
-- type: esql
-- language: esql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0003 Persistence; T1098 Account Manipulation | TA0004 Privilege Escalation; T1098 Account Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Persistence; Tactic: Privilege Escalation; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: roles
-- requires: create | update | patch
-- requires: allow | granted
-- requires: RequestResponse
-- requires: ResponseComplete
-- requires: verbs
-- references: https://heilancoos.github.io/research/2025/12/16/kubernetes.html#overly-permissive-role-based-access-control
-- query: |
--   FROM logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | WHERE
--     kubernetes.audit.objectRef.resource in ("roles", "clusterroles") and
--     kubernetes.audit.verb in ("create", "update", "patch") and
--     `kubernetes.audit.annotations.authorization_k8s_io/decision` == "allow" and
--     kubernetes.audit.level == "RequestResponse" and kubernetes.audit.stage == "ResponseComplete" and
--     not kubernetes.audit.sourceIPs in ("::1", "127.0.0.1") and
--     not (user.name like "eks:*" and kubernetes.audit.objectRef.name like "eks:*") and
--     not (user.name == "aksService" and event.action == "create" and kubernetes.audit.objectRef.name like "aks:*") and
--     not (user.name == "system:serviceaccount:kube-system:clusterrole-aggregation-controller" and  kubernetes.audit.objectRef.name in ("admin", "edit") and event.action == "patch") and
--     (
--       // using requestObject
--       KQL(""" kubernetes.audit.requestObject.rules.verbs:("*" or "escalate" or "bind" or "impersonate") """) or
--       KQL(""" kubernetes.audit.requestObject.rules.verbs: ("*" or "create" or "patch" or "update") and kubernetes.audit.requestObject.rules.resources:("*" or "clusterroles" or "clusterrolebindings" or "roles" or "rolebindings" or "pods/exec" or "serviceaccounts/token" or "nodes/proxy" or "daemonsets") """) or
--       KQL(""" kubernetes.audit.requestObject.rules.verbs: ("*" or "get" or "list") and kubernetes.audit.requestObject.rules.resources:("*" or "secrets") """) or
--
--       // using responseObject
--       KQL(""" kubernetes.audit.responseObject.rules.verbs:("*" or "escalate" or "bind" or "impersonate") """) or
--       KQL(""" kubernetes.audit.responseObject.rules.verbs: ("*" or "create" or "patch" or "update") and kubernetes.audit.responseObject.rules.resources:("*" or "clusterroles" or "clusterrolebindings" or "roles" or "rolebindings" or "pods/exec" or "serviceaccounts/token" or "nodes/proxy" or "daemonsets") """) or
--       KQL(""" kubernetes.audit.responseObject.rules.verbs: ("*" or "get" or "list") and kubernetes.audit.responseObject.rules.resources:("*" or "secrets") """)
--     )
--   | keep user.name, user_agent.original, event.action, source.ip, kubernetes.audit.verb, kubernetes.audit.objectRef.resource, kubernetes.audit.objectRef.name, kubernetes.audit.requestURI, kubernetes.audit.user.username, kubernetes.audit.user.groups, `kubernetes.audit.annotations.authorization_k8s_io/decision`, event.original, _id, _version, _index, data_stream.namespace
-- what: |
--   Detects the creation or modification of Kubernetes Roles or ClusterRoles that grant high-risk
--   permissions, such as wildcard access or RBAC escalation verbs (e.g., bind, escalate,
--   impersonate), which may enable privilege escalation or unauthorized access within the cluster.
-- why: |
--   This rule detects allowed create, update, or patch actions on Roles and ClusterRoles that
--   introduce high-risk RBAC permissions, including wildcard access and escalation verbs like
--   bind, escalate, or impersonate. These changes matter because they can silently expand
--   privileges and enable persistence or lateral movement across the cluster. Attackers commonly
--   add a new ClusterRole with `*` verbs/resources and then use it to bind themselves or a service
--   account to cluster-admin–equivalent access.
-- triage: |
--   - Identify the responsible identity and origin by reviewing the audit event’s user/service
--     account, userAgent, and source IPs, then confirm whether the action came from approved
--     automation (e.g., GitOps/CI) or an interactive session.
--   - Retrieve and diff the Role/ClusterRole manifest before vs after the change to pinpoint newly
--     added wildcards, escalation verbs (bind/escalate/impersonate), or permissions over RBAC
--     resources that enable privilege escalation.
--   - Enumerate RoleBindings/ClusterRoleBindings that reference the modified role and determine
--     which users/groups/service accounts gained effective permissions, prioritizing bindings
--     created/changed near the same time.
--   - Validate authorization intent by correlating the change with a change ticket/PR and the
--     expected namespace/cluster scope, and flag any out-of-band edits (kubectl apply/edit) that
--     bypass the normal workflow.
--   - If suspicious, contain by reverting the role and removing or disabling newly privileged
--     bindings/subjects, then hunt for follow-on activity from the same identity (e.g., creation
--     of new service accounts, secrets access, or additional RBAC changes) within the incident
--     window.
-- false_positives: |
--   - Cluster administrators or platform automation legitimately create or update
--     Roles/ClusterRoles to include wildcard verbs/resources or escalation-related verbs
--     (bind/escalate/impersonate) during initial cluster bootstrapping, feature enablement, or
--     maintenance, especially when enabling broad operational access for system components.
--   - Routine RBAC refactoring such as consolidating multiple granular roles into a single
--     reusable role, migrating permissions across namespaces, or adjusting access for incident
--     response can temporarily add permissions over RBAC resources
--     (roles/rolebindings/clusterroles/clusterrolebindings) and trigger the rule even when the
--     change is approved and tracked.
SELECT *
FROM audit
-- ES|QL row filter: SQL three-valued logic carries over, so the exclusions are plain NOT (a row
-- whose test is null is dropped, as in ES|QL).
WHERE resource IN ('roles', 'clusterroles')
  AND verb IN ('create', 'update', 'patch')
  AND authz_decision = 'allow'
  AND level = 'RequestResponse'
  AND stage = 'ResponseComplete'
  -- `not sourceIPs in (...)`: ES|QL's IN on a multi-valued field is null, so events with several
  -- source IPs (or none) are dropped.
  AND cardinality(source_ips) = 1 AND NOT source_ips[1] IN ('::1', '127.0.0.1')
  AND NOT (user_name LIKE 'eks:%' AND object_name LIKE 'eks:%')
  AND NOT (user_name = 'aksService' AND verb = 'create' AND object_name LIKE 'aks:%')
  AND NOT (user_name = 'system:serviceaccount:kube-system:clusterrole-aggregation-controller'
           AND object_name IN ('admin', 'edit') AND verb = 'patch')
  -- KQL(...) is true or false, never null. Verbs and resources are each tested over all the
  -- role's PolicyRules together (they may come from two different rules), as Elasticsearch
  -- indexes object arrays (the integration maps `rules` as `nested`, which a plain KQL query may
  -- not reach; the port follows the evident intent). Quoted "*" is a literal asterisk.
  AND (
       -- using requestObject
       coalesce(array_has_any(object_fields['requestObject.rules.verbs'], make_array('*', 'escalate', 'bind', 'impersonate')), false)
       OR (coalesce(array_has_any(object_fields['requestObject.rules.verbs'], make_array('*', 'create', 'patch', 'update')), false)
           AND coalesce(array_has_any(object_fields['requestObject.rules.resources'], make_array('*', 'clusterroles', 'clusterrolebindings', 'roles', 'rolebindings',
                                                      'pods/exec', 'serviceaccounts/token', 'nodes/proxy', 'daemonsets')), false))
       OR (coalesce(array_has_any(object_fields['requestObject.rules.verbs'], make_array('*', 'get', 'list')), false)
           AND coalesce(array_has_any(object_fields['requestObject.rules.resources'], make_array('*', 'secrets')), false))
       -- using responseObject
    OR coalesce(array_has_any(object_fields['responseObject.rules.verbs'], make_array('*', 'escalate', 'bind', 'impersonate')), false)
       OR (coalesce(array_has_any(object_fields['responseObject.rules.verbs'], make_array('*', 'create', 'patch', 'update')), false)
           AND coalesce(array_has_any(object_fields['responseObject.rules.resources'], make_array('*', 'clusterroles', 'clusterrolebindings', 'roles', 'rolebindings',
                                                      'pods/exec', 'serviceaccounts/token', 'nodes/proxy', 'daemonsets')), false))
       OR (coalesce(array_has_any(object_fields['responseObject.rules.verbs'], make_array('*', 'get', 'list')), false)
           AND coalesce(array_has_any(object_fields['responseObject.rules.resources'], make_array('*', 'secrets')), false))
  )
