-- id: endpoint-permission-enumeration-by-anonymous-user
-- name: Kubernetes Potential Endpoint Permission Enumeration Attempt by Anonymous User Detected
-- elastic_rule_id: 2dd0d4fd-0cc9-4d18-8b46-1a507e28bbc0
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/discovery_endpoint_permission_enumeration_by_anonymous_user.toml, updated 2026/03/24)
-- type: esql
-- language: esql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- model: aggregation
-- window: 6m
-- group_by: source_ip, user_agent
-- mitre: TA0007 Discovery; T1613 Container and Resource Discovery | TA0043 Reconnaissance; T1595 Active Scanning
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Discovery; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: Request | ResponseComplete
-- references: https://heilancoos.github.io/research/2025/12/16/kubernetes.html#unauthenticated-api-access
-- query: |
--   from logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | where (
--       kubernetes.audit.user.username in ("system:anonymous", "system:unauthenticated") or
--       kubernetes.audit.user.username is null or
--       kubernetes.audit.user.username == ""
--     ) and
--     kubernetes.audit.level in ("RequestResponse", "ResponseComplete", "Request")
--
--   | eval Esql.decision = `kubernetes.audit.annotations.authorization_k8s_io/decision`
--   | eval Esql.code = kubernetes.audit.responseStatus.code
--
--   | eval Esql.outcome = case(
--       Esql.decision == "allow", "authz_allow",
--       Esql.decision == "forbid", "authz_forbid",
--
--       // fallback: infer from status when decision is missing
--       Esql.code in (401, 403), "authn_authz_failed",
--       (Esql.code >= 200 and Esql.code < 300), "success",
--       Esql.code == 404, "not_found",
--       Esql.code is null, "unknown",
--       true, "other_error"
--     )
--
--   | stats
--       Esql.document_count = count(),
--
--       Esql.authz_allow_count = sum(case(Esql.outcome == "authz_allow", 1, 0)),
--       Esql.authz_forbid_count = sum(case(Esql.outcome == "authz_forbid", 1, 0)),
--
--       Esql.status_fail_count = sum(case(Esql.outcome == "authn_authz_failed", 1, 0)),
--       Esql.success_count = sum(case(Esql.outcome == "success", 1, 0)),
--       Esql.not_found_count = sum(case(Esql.outcome == "not_found", 1, 0)),
--       Esql.other_error_count = sum(case(Esql.outcome == "other_error", 1, 0)),
--       Esql.unknown_count = sum(case(Esql.outcome == "unknown", 1, 0)),
--
--       Esql.kubernetes_audit_verb_count_distinct = count_distinct(kubernetes.audit.verb),
--       Esql.kubernetes_audit_requestURI_count_distinct = count_distinct(kubernetes.audit.requestURI),
--       Esql.kubernetes_audit_objectRef_resource_count_distinct = count_distinct(kubernetes.audit.objectRef.resource),
--
--       Esql.kubernetes_audit_outcome_values = values(Esql.outcome),
--       Esql.kubernetes_audit_decision_values = values(Esql.decision),
--       Esql.kubernetes_audit_responseStatus_code_values = values(Esql.code),
--       Esql.kubernetes_audit_responseStatus_message_values = values(kubernetes.audit.responseStatus.message),
--
--       Esql.kubernetes_audit_verb_values = values(kubernetes.audit.verb),
--       Esql.kubernetes_audit_objectRef_resource_values = values(kubernetes.audit.objectRef.resource),
--       Esql.kubernetes_audit_objectRef_namespace_values = values(kubernetes.audit.objectRef.namespace),
--       Esql.kubernetes_audit_user_username_values = values(kubernetes.audit.user.username),
--       Esql.kubernetes_audit_user_groups_values = values(kubernetes.audit.user.groups),
--       Esql.kubernetes_audit_requestURI_values = values(kubernetes.audit.requestURI),
--       Esql.data_stream_namespace_values = values(data_stream.namespace)
--
--     BY kubernetes.audit.sourceIPs, user_agent.original
--
--   | where
--       Esql.kubernetes_audit_requestURI_count_distinct > 5 and
--       Esql.kubernetes_audit_objectRef_resource_count_distinct > 3 and
--       Esql.document_count < 50 and
--       (Esql.authz_forbid_count >= 1 or Esql.status_fail_count >= 1 or Esql.not_found_count >= 3)
--
--   | keep Esql.*, kubernetes.audit.sourceIPs, user_agent.original
-- what: |
--   This rule detects potential endpoint enumeration attempts by an anonymous user. An anonymous
--   user is a user that is not authenticated or authorized to access the Kubernetes API server. By
--   looking for a series of failed API requests, on multiple endpoints, and a limited number of
--   documents, this rule can detect automated permission enumeration attempts. This behavior is
--   uncommon for regular Kubernetes clusters.
-- why: |
--   This detects a burst of Kubernetes API requests from an unauthenticated identity that probes
--   many different endpoints and resource types, producing mostly forbidden/unauthorized/not found
--   responses within a small window. It matters because this pattern maps the cluster’s exposed
--   surface and reveals which APIs might be reachable before an attacker commits to credential
--   theft or exploitation. A common usage pattern is scripted GET/LIST sweeps across core and
--   custom resources (for example pods, secrets, namespaces, and CRDs) from one source IP and user
--   agent.
-- triage: |
--   - Review the specific request URIs and resource types queried and their sequence to
--     fingerprint common reconnaissance tooling and whether high-value endpoints (e.g., secrets,
--     tokenreviews, subjectaccessreviews, CRDs) were probed.
--   - Determine whether the apparent source IP is internal or Internet-routable and confirm the
--     true originating client by correlating load balancer/ingress/firewall logs (including
--     X-Forwarded-For) with the audit event timestamps.
--   - Validate Kubernetes API server authentication/authorization posture during the window to
--     identify misconfiguration that permits anonymous access and confirm whether any requests
--     returned successful responses that indicate real data exposure.
--   - Hunt for follow-on activity from the same origin or user agent such as authenticated
--     requests, service account token usage, RBAC/ClusterRoleBinding changes, pod exec, or
--     secret/configmap reads to assess escalation beyond discovery.
--   - If the API endpoint is publicly reachable, apply immediate containment by restricting
--     network access to the API server (allowlisting, VPN/private endpoint, temporary IP blocks)
--     while preserving relevant audit and network logs for forensics.
-- false_positives: |
--   - Misconfigured or transitional API server authentication (e.g., anonymous auth briefly
--     enabled or a failing authn proxy/fronting component) can cause legitimate clients to appear
--     as `system:anonymous` and generate multiple 401/403/404 responses across several endpoints
--     during normal cluster access attempts.
--   - Internal cluster health checks or component discovery behavior that hits multiple API paths
--     without presenting credentials (or uses requests that the audit log records with empty/null
--     usernames) can resemble enumeration when it produces a short burst of failed requests across
--     diverse resources from a single source IP and user agent.
-- aggregation: |
--   Elastic runs this ES|QL every 5 minutes over the last 6 minutes and aggregates each execution's
--   window on its own. Here the executions are hopping windows aligned to the epoch: one ends at
--   every multiple of 5 minutes and covers [end - 6m, end), start included, end excluded, so an
--   event in the last minute before a 5-minute mark (10:04:00 to 10:04:59.999999) is in two windows
--   and every other event in one. An event counts if its user is `system:anonymous`,
--   `system:unauthenticated` (a group, never a user name in practice) or missing or empty, and its
--   level is Request or RequestResponse (the rule's list also holds `ResponseComplete`, a stage
--   name, which no level has: Metadata-level events never count; all stages of a request count,
--   RequestReceived included). Its outcome is the first that holds of: decision allow
--   (authz_allow), decision forbid (authz_forbid), code 401 or 403 (authn_authz_failed), 2xx
--   (success), 404 (not_found), no code (unknown), else other_error. Groups: (source IP, user
--   agent) per window. ES|QL's BY on the multi-valued sourceIPs puts an event in the group of each
--   of its (distinct) addresses; an event with none is in the null-IP group, and a missing or empty
--   user agent is a group of its own (the pre-2026-02 version groups by
--   `kubernetes.audit.userAgent`, the same value as `user_agent.original`, so it is this rule). A
--   group fires when it has more than 5 distinct request URIs, more than 3 distinct resources,
--   fewer than 50 events, and at least one authz_forbid, or one authn_authz_failed, or three
--   not_found. Each firing (group, window) gives one alert on the group's earliest event in that
--   window (ties broken by audit id, file and line) with `details`: window_start, window_end,
--   source_ip, user_agent, count (Esql.document_count), the per-outcome counts, the distinct counts
--   of verbs, URIs and resources, and the VALUES lists (outcomes, decisions, codes, messages,
--   verbs, resources, namespaces, user names, user groups, URIs), sorted. An event with two
--   addresses can be the representative of two groups. A burst inside the overlap of two windows
--   fires in both, as Elastic's two executions do. Elastic's windows run over `@timestamp` (for the
--   filestream input, when the agent read the line); here over the event's own time. With
--   `--from/--to` a window cut by the scope sees only the events inside it.
WITH f AS (            -- the ES|QL WHERE: the events that count
  SELECT *
  FROM audit
  WHERE (user_name IN ('system:anonymous', 'system:unauthenticated') OR nullif(user_name, '') IS NULL)
    -- "ResponseComplete" is a stage, never a level: kept as in the rule
    AND level IN ('RequestResponse', 'ResponseComplete', 'Request')
),
i AS (                 -- BY kubernetes.audit.sourceIPs: the event in each address's group
  SELECT *,
         unnest(CASE WHEN cardinality(source_ips) > 0 THEN array_distinct(source_ips)
                     ELSE CAST(make_array(NULL) AS VARCHAR[]) END) AS ip
  FROM f
),
e AS (                 -- each (event, address) once per execution window that reads it;
                       -- keys: '' stands for a missing address or user agent (a null group)
  SELECT coalesce(ip, '') AS k_ip, coalesce(nullif(user_agent, ''), '') AS k_agent, event_time AS t,
         CASE WHEN authz_decision = 'allow' THEN 'authz_allow'
              WHEN authz_decision = 'forbid' THEN 'authz_forbid'
              WHEN response_code IN (401, 403) THEN 'authn_authz_failed'
              WHEN response_code >= 200 AND response_code < 300 THEN 'success'
              WHEN response_code = 404 THEN 'not_found'
              WHEN response_code IS NULL THEN 'unknown'
              ELSE 'other_error' END AS v_outcome,
         nullif(authz_decision, '') AS v_decision, response_code AS v_code,
         nullif(response_message, '') AS v_message, nullif(verb, '') AS v_verb,
         nullif(request_uri, '') AS v_uri, nullif(resource, '') AS v_resource,
         nullif(namespace, '') AS v_namespace, nullif(user_name, '') AS v_user,
         user_groups AS v_groups,
         unnest(make_array(first_end, first_end + INTERVAL '5 minutes')) AS window_end
  FROM (SELECT *, date_bin(INTERVAL '5 minutes', event_time) + INTERVAL '5 minutes' AS first_end
        FROM i)
),
w AS (SELECT * FROM e WHERE t >= window_end - INTERVAL '6 minutes'),
c AS (                 -- cheap necessary conditions first: 6 to 49 events, a failure
  SELECT k_ip, k_agent, window_end
  FROM w
  GROUP BY k_ip, k_agent, window_end
  HAVING count(*) > 5 AND count(*) < 50
     AND (count(*) FILTER (WHERE v_outcome = 'authz_forbid') >= 1
          OR count(*) FILTER (WHERE v_outcome = 'authn_authz_failed') >= 1
          OR count(*) FILTER (WHERE v_outcome = 'not_found') >= 3)
),
g AS (                 -- STATS ... BY sourceIPs, user agent | WHERE ..., per window
  SELECT w.k_ip, w.k_agent, w.window_end,
         count(*) AS document_count,
         count(*) FILTER (WHERE v_outcome = 'authz_allow') AS authz_allow_count,
         count(*) FILTER (WHERE v_outcome = 'authz_forbid') AS authz_forbid_count,
         count(*) FILTER (WHERE v_outcome = 'authn_authz_failed') AS status_fail_count,
         count(*) FILTER (WHERE v_outcome = 'success') AS success_count,
         count(*) FILTER (WHERE v_outcome = 'not_found') AS not_found_count,
         count(*) FILTER (WHERE v_outcome = 'other_error') AS other_error_count,
         count(*) FILTER (WHERE v_outcome = 'unknown') AS unknown_count,
         count(DISTINCT v_verb) AS verb_count_distinct,
         count(DISTINCT v_uri) AS request_uri_count_distinct,
         count(DISTINCT v_resource) AS resource_count_distinct,
         array_sort(array_distinct(array_agg(v_outcome))) AS outcome_values,
         array_sort(array_distinct(array_agg(v_decision) FILTER (WHERE v_decision IS NOT NULL))) AS decision_values,
         array_sort(array_distinct(array_agg(v_code) FILTER (WHERE v_code IS NOT NULL))) AS response_code_values,
         array_sort(array_distinct(array_agg(v_message) FILTER (WHERE v_message IS NOT NULL))) AS response_message_values,
         array_sort(array_distinct(array_agg(v_verb) FILTER (WHERE v_verb IS NOT NULL))) AS verb_values,
         array_sort(array_distinct(array_agg(v_resource) FILTER (WHERE v_resource IS NOT NULL))) AS resource_values,
         array_sort(array_distinct(array_agg(v_namespace) FILTER (WHERE v_namespace IS NOT NULL))) AS namespace_values,
         array_sort(array_distinct(array_agg(v_user) FILTER (WHERE v_user IS NOT NULL))) AS user_name_values,
         array_sort(array_distinct(flatten(array_agg(v_groups) FILTER (WHERE v_groups IS NOT NULL)))) AS user_groups_values,
         array_sort(array_distinct(array_agg(v_uri) FILTER (WHERE v_uri IS NOT NULL))) AS request_uri_values
  FROM c
  JOIN w ON w.k_ip = c.k_ip AND w.k_agent = c.k_agent AND w.window_end = c.window_end
  GROUP BY w.k_ip, w.k_agent, w.window_end
  HAVING count(DISTINCT v_uri) > 5
     AND count(DISTINCT v_resource) > 3
)
SELECT f.*,
       json_build_object('window_start', g.window_end - INTERVAL '6 minutes', 'window_end', g.window_end,
                         'source_ip', nullif(g.k_ip, ''), 'user_agent', nullif(g.k_agent, ''),
                         'count', g.document_count,
                         'authz_allow_count', g.authz_allow_count, 'authz_forbid_count', g.authz_forbid_count,
                         'status_fail_count', g.status_fail_count, 'success_count', g.success_count,
                         'not_found_count', g.not_found_count, 'other_error_count', g.other_error_count,
                         'unknown_count', g.unknown_count,
                         'verb_count_distinct', g.verb_count_distinct,
                         'request_uri_count_distinct', g.request_uri_count_distinct,
                         'resource_count_distinct', g.resource_count_distinct,
                         'outcome_values', g.outcome_values, 'decision_values', g.decision_values,
                         'response_code_values', g.response_code_values,
                         'response_message_values', g.response_message_values,
                         'verb_values', g.verb_values, 'resource_values', g.resource_values,
                         'namespace_values', g.namespace_values, 'user_name_values', g.user_name_values,
                         'user_groups_values', g.user_groups_values,
                         'request_uri_values', g.request_uri_values) AS details
FROM (                 -- each group with the two first window ends its events can have (an
                       -- event's first end is date_bin + 5 minutes; a window holds events
                       -- whose first end is its own end or the one before): join keys that
                       -- leave each event a handful of candidate groups, not every window of
                       -- its key
  SELECT *, unnest(make_array(window_end, window_end - INTERVAL '5 minutes')) AS first_end FROM g
) g
JOIN f ON coalesce(nullif(f.user_agent, ''), '') = g.k_agent
      AND date_bin(INTERVAL '5 minutes', f.event_time) + INTERVAL '5 minutes' = g.first_end
      AND f.event_time >= g.window_end - INTERVAL '6 minutes'
      AND f.event_time < g.window_end
      AND (array_has(f.source_ips, g.k_ip)
           OR (g.k_ip = '' AND coalesce(cardinality(f.source_ips), 0) = 0))
-- one alert per (group, window): its earliest event
QUALIFY row_number() OVER (PARTITION BY g.k_ip, g.k_agent, g.window_end
                           ORDER BY f.event_time, f.audit_id, f.source_file, f.source_line) = 1
