-- id: sensitive-rbac-change-followed-by-workload-modification
-- name: Kubernetes Sensitive RBAC Change Followed by Workload Modification
-- elastic_rule_id: 3c82bf84-5941-495b-ac41-0302f28e1a90
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/privilege_escalation_sensitive_rbac_change_followed_by_workload_modification.toml, updated 2026/04/10)
-- type: eql
-- language: eql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- model: sequence
-- maxspan: 5m
-- sequence_by: user_name
-- mitre: TA0004 Privilege Escalation; T1098 Account Manipulation | TA0003 Persistence; T1098 Account Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Privilege Escalation; Tactic: Persistence; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: allow | granted
-- requires: roles | daemonsets | deployments | cronjobs
-- requires: create | update | patch
-- references: https://heilancoos.github.io/research/2025/12/16/kubernetes.html#overly-permissive-role-based-access-control
-- query: |
--   sequence by user.name with maxspan=5m
--     [any where data_stream.dataset == "kubernetes.audit_logs" and
--      `kubernetes.audit.annotations.authorization_k8s_io/decision` == "allow" and
--       kubernetes.audit.objectRef.resource in ("roles", "clusterroles") and
--       kubernetes.audit.verb in ("create", "update", "patch")]
--     [any where data_stream.dataset == "kubernetes.audit_logs" and
--      `kubernetes.audit.annotations.authorization_k8s_io/decision` == "allow" and
--       kubernetes.audit.objectRef.resource in ("daemonsets", "deployments", "cronjobs") and
--       kubernetes.audit.verb in ("create", "patch") and
--       /* reduce control-plane / bootstrap noise */
--       not kubernetes.audit.user.groups == "system:masters"
--     ]
-- what: |
--   Detects a sequence where a principal creates or modifies a Role/ClusterRole to include high-
--   risk permissions (e.g., wildcard access or escalation verbs) and then creates or patches a
--   workload resource (DaemonSet, Deployment, or CronJob) shortly after, which may indicate RBAC-
--   based privilege escalation followed by payload deployment. This pattern is often used by
--   adversaries to gain unauthorized access to sensitive resources and deploy malicious payloads.
-- why: |
--   This rule detects when a user grants or broadens high-risk permissions in a Role/ClusterRole
--   and then quickly creates or patches a DaemonSet, Deployment, or CronJob, a strong signal of
--   RBAC-driven privilege escalation followed by payload deployment. Attackers often add wildcard
--   access or escalation verbs to a new role, bind it to their identity, then patch a workload to
--   run a malicious container across nodes or on a schedule to establish persistence.
-- triage: |
--   - Review the Role/ClusterRole change diff to identify newly granted wildcard resources/verbs
--     or escalation permissions (e.g., bind, impersonate, escalate) and determine the effective
--     access increase for the actor.
--   - Identify any RoleBinding/ClusterRoleBinding creations or updates around the same time to see
--     whether the modified role was bound to the same principal or a newly created service
--     account.
--   - Inspect the subsequent DaemonSet/Deployment/CronJob spec changes for malicious indicators
--     such as new images, added initContainers, elevated securityContext
--     (privileged/hostPID/hostNetwork), hostPath mounts, or suspicious command/args.
--   - Correlate pod runtime activity from the modified workload (image pulls, container starts,
--     outbound connections, and access to secrets/configmaps) to confirm execution and scope of
--     impact.
--   - Validate the actor’s legitimacy by checking whether the request originated from expected
--     IP/user-agent and whether the identity is associated with approved CI/CD automation or an
--     unusual interactive session.
-- false_positives: |
--   - A platform engineer performing an urgent, legitimate RBAC adjustment (e.g., expanding a
--     Role/ClusterRole for a new feature rollout) and then immediately patching or deploying a
--     DaemonSet/Deployment/CronJob as part of the same change window can match this sequence.
--   - A CI/CD pipeline or GitOps-style workflow using a non-system:masters identity may update
--     RBAC manifests and then apply workload updates within minutes during routine releases,
--     producing this pattern without malicious intent.
-- sequence: |
--   Elastic's EQL: per user name, a role or cluster role create/update/patch, then within 5
--   minutes a daemonset, deployment or cronjob create/patch by the same user. Elasticsearch's
--   sequence matcher (SequenceMatcher, OrdinalGroup.trimBefore) pairs each second-step event with
--   the latest pending first-step event of the same user before it, and removes that one and every
--   older pending one; a second-step event with nothing pending is dropped. So a second-step event
--   completes a sequence exactly when the event just before it, among this user's events of
--   either step, is a first-step event no more than 5 minutes older: an event exactly 5 minutes
--   after counts, one a microsecond later does not (and that first step is then used up). Two role
--   changes and one deployment give one sequence (with the later role change); one role change
--   and two deployments give one (the first deployment). Events are ordered by event time, then
--   audit id, file and line (Elastic: @timestamp, then index order). An event with no or an empty
--   user name has no join key and joins nothing. Written as lag() over both steps' events, which
--   equals a self-join of first and second step within 5 minutes with no step event of the user
--   in between, in one scan instead of three. One row per sequence: the second event, with
--   details.sequence = [first audit id, second audit id] and the first event's time, verb,
--   resource, namespace, name and stage. The user name is the only key, as in the rule: events
--   of several clusters in one archive are one stream per user. Elastic runs the query every 5
--   minutes over the last 6, so it can miss a sequence split across two runs; this is the
--   continuous form. A hunt's --from cuts the history: a first step before it is not seen.
WITH steps AS (
  -- The events of either step (their conditions exclude each other: roles vs. workloads).
  -- `by user.name`: a join key must have a value (EQL), and Elastic drops empty strings.
  SELECT *
  FROM audit
  WHERE nullif(user_name, '') IS NOT NULL
    AND authz_decision = 'allow'
    AND ((resource IN ('roles', 'clusterroles') AND verb IN ('create', 'update', 'patch'))
      OR (resource IN ('daemonsets', 'deployments', 'cronjobs') AND verb IN ('create', 'patch')
          -- EQL `not user.groups == "system:masters"`: no element equals it; no groups pass.
          -- (Elastic maps user.groups as text; the value is taken as an exact group name.)
          AND NOT coalesce(array_has(user_groups, 'system:masters'), false)))
),
ordered AS (
  -- The event just before each one, among the same user's step events.
  SELECT *,
         lag(audit_id) OVER w AS first_audit_id,
         lag(event_time) OVER w AS first_time,
         lag(resource) OVER w AS first_resource,
         lag(verb) OVER w AS first_verb,
         lag(namespace) OVER w AS first_namespace,
         lag(object_name) OVER w AS first_object_name,
         lag(stage) OVER w AS first_stage
  FROM steps
  WINDOW w AS (PARTITION BY user_name ORDER BY event_time, audit_id, source_file, source_line)
)
-- PostgreSQL's dialect has no SELECT * EXCEPT: every column of table audit (schema 2) is listed,
-- so that the helper columns stay out of the alert.
SELECT event_time, received_time, audit_id, stage, level, verb, request_uri, user_name, user_uid,
       user_groups, user_extra, impersonated_user_name, source_ips, user_agent, resource, subresource,
       namespace, object_name, api_group, api_version, response_code, response_status,
       response_reason, response_message, authz_decision, authz_reason, annotations, request_object,
       response_object, source_format, source_file, source_line, impersonated_user_groups,
       object_fields, cluster, date,
       json_build_object(
         'sequence', make_array(first_audit_id, audit_id),
         'first_time', first_time,
         'first_verb', first_verb,
         'first_resource', first_resource,
         'first_namespace', first_namespace,
         'first_object_name', first_object_name,
         'first_stage', first_stage
       ) AS details
FROM ordered
WHERE resource IN ('daemonsets', 'deployments', 'cronjobs')
  AND first_resource IN ('roles', 'clusterroles')
  -- maxspan=5m: from the first event to the last, inclusive.
  AND event_time <= first_time + INTERVAL '5 minutes'
