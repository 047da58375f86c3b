-- id: endpoint-permission-enumeration-attempt
-- name: Kubernetes Potential Endpoint Permission Enumeration Attempt Detected
-- elastic_rule_id: a337c3f8-e264-4eb4-9998-22669ca52791
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/discovery_endpoint_permission_enumeration_by_user_and_srcip.toml, updated 2026/03/03)
-- type: esql
-- language: esql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- model: aggregation
-- window: 6m
-- group_by: user_name, source_ip
-- mitre: TA0007 Discovery; T1613 Container and Resource Discovery
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Discovery; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: ResponseComplete
-- requires: get | list | watch | create | update | patch
-- references: https://heilancoos.github.io/research/2025/12/16/kubernetes.html#unauthenticated-api-access
-- query: |
--   from logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | where kubernetes.audit.stage == "ResponseComplete" and kubernetes.audit.verb in ("get", "list", "watch", "create", "update", "patch")
--   | stats
--     Esql.document_count = count(),
--     Esql.kubernetes_audit_annotations_authorization_k8s_io_decision_count_distinct = count_distinct(`kubernetes.audit.annotations.authorization_k8s_io/decision`),
--     Esql.kubernetes_audit_verb_count_distinct = count_distinct(kubernetes.audit.verb),
--     Esql.kubernetes_audit_requestURI_count_distinct = count_distinct(kubernetes.audit.requestURI),
--     Esql.kubernetes_audit_objectRef_resource_count_distinct = count_distinct(kubernetes.audit.objectRef.resource),
--
--     Esql.kubernetes_audit_responseStatus_message_values = values(kubernetes.audit.responseStatus.message),
--     Esql.kubernetes_audit_verb_values = values(kubernetes.audit.verb),
--     Esql.kubernetes_audit_responseStatus_code_values = values(kubernetes.audit.responseStatus.code),
--     Esql.kubernetes_audit_objectRef_resource_values = values(kubernetes.audit.objectRef.resource),
--     Esql.kubernetes_audit_objectRef_namespace_values = values(kubernetes.audit.objectRef.namespace),
--     Esql.kubernetes_audit_user_username_values = values(kubernetes.audit.user.username),
--     Esql.kubernetes_audit_user_groups_values = values(kubernetes.audit.user.groups),
--     Esql.kubernetes_audit_requestURI_values = values(kubernetes.audit.requestURI),
--     Esql.user_agent_original_values = values(user_agent.original),
--     Esql.data_stream_namespace_values = values(data_stream.namespace)
--
--     by kubernetes.audit.user.username, kubernetes.audit.sourceIPs
--   | where
--     Esql.kubernetes_audit_annotations_authorization_k8s_io_decision_count_distinct == 2 and
--     Esql.kubernetes_audit_requestURI_count_distinct > 5 and
--     Esql.kubernetes_audit_objectRef_resource_count_distinct > 3 and
--     Esql.document_count < 75
--   | keep Esql.*, kubernetes.audit.user.username, kubernetes.audit.sourceIPs
-- what: |
--   This rule detects potential endpoint enumeration attempts by a single user and source IP
--   address. By looking for a combination of failed/successful API requests across multiple
--   endpoints and a limited number of documents, this rule can detect automated permission
--   enumeration attempts. This behavior is uncommon for regular Kubernetes clusters.
-- why: |
--   Detects a single Kubernetes identity from one IP issuing a burst of API calls across many
--   resources and URLs with a mix of allowed and denied outcomes, consistent with automated RBAC
--   probing rather than normal operations. This matters because attackers use it to map what they
--   can access and identify high-value objects (secrets, pods, nodes) before escalation or lateral
--   movement. A common pattern is running a script that iterates list/get/watch on dozens of API
--   endpoints until it finds ones that return data.
-- triage: |
--   - Expand the timeline around the alert for the same identity and source to reconstruct the
--     full API-call sequence and identify which resource types returned successful data,
--     prioritizing secrets, configmaps, nodes, pods, and RBAC objects.
--   - Determine whether the source IP maps to a cluster node, pod egress/NAT, VPN, or an external
--     host using infrastructure and network telemetry, and confirm it matches expected
--     administrative or automation origins.
--   - Validate whether the acting identity is a human user, service account, or external auth
--     integration and review recent sign-ins/token issuance and current RBAC bindings for
--     unexpected or overly broad access.
--   - Hunt for follow-on actions from the same identity or IP that indicate escalation or
--     execution, such as modifying role bindings, creating privileged pods, accessing secret data,
--     or initiating exec/port-forward operations.
--   - If the activity is not clearly legitimate, contain by rotating or disabling the credential
--     and tightening permissions, then search for the same enumeration behavior across other
--     identities and sources to scope impact.
-- false_positives: |
--   - A cluster administrator or platform engineer using kubectl from a single workstation/VPN IP
--     to troubleshoot RBAC issues may rapidly test get/list/watch across multiple resources and
--     endpoints, producing a mix of allowed and forbidden responses within a short window.
--   - A newly deployed or updated in-cluster component using a service account may probe several
--     Kubernetes API resources during initialization or capability detection and encounter
--     intermittent authorization denials due to incomplete RBAC bindings, generating diverse
--     requestURIs/resources with both success and failure outcomes.
-- aggregation: |
--   Elastic runs this ES|QL every 5 minutes over the last 6 minutes and aggregates each execution's
--   window on its own. Here the executions are hopping windows aligned to the epoch: one ends at
--   every multiple of 5 minutes and covers [end - 6m, end), start included, end excluded, so an
--   event in the last minute before a 5-minute mark (10:04:00 to 10:04:59.999999) is in two windows
--   and every other event in one. An event counts if its stage is ResponseComplete and its verb
--   get, list, watch, create, update or patch. Groups: (user name, source IP) per window. ES|QL's
--   BY on the multi-valued sourceIPs puts an event in the group of each of its (distinct)
--   addresses; an event with none is in the null-address group, and a missing or empty user name is
--   a group of its own (ES|QL's BY keeps nulls; empty strings count as missing, as Elastic's
--   pipeline drops them). A group fires when it has exactly 2 distinct decisions (allow and forbid:
--   an event with no decision annotation adds none), more than 5 distinct request URIs, more than 3
--   distinct resources and fewer than 75 events. Each firing (group, window) gives one alert on the
--   group's earliest event in that window (ties broken by audit id, file and line) with `details`:
--   window_start, window_end, user_name, source_ip, count (Esql.document_count), the distinct
--   counts of decisions, verbs, URIs and resources, and the VALUES lists (messages, verbs, codes,
--   resources, namespaces, user names, user groups, URIs, user agents), sorted. An event with two
--   addresses can be the representative of two groups. A burst inside the overlap of two windows
--   fires in both, as Elastic's two executions do. The pre-2026-02 version differs only in listing
--   `kubernetes.audit.userAgent` instead of `user_agent.original` (the same value) among its
--   VALUES, so it is this rule. Elastic's windows run over `@timestamp` (for the filestream input,
--   when the agent read the line); here over the event's own time. With `--from/--to` a window cut
--   by the scope sees only the events inside it.
WITH f AS (            -- the ES|QL WHERE: the events that count
  SELECT *
  FROM audit
  WHERE stage = 'ResponseComplete'
    AND verb IN ('get', 'list', 'watch', 'create', 'update', 'patch')
),
i AS (                 -- BY kubernetes.audit.sourceIPs: the event in each address's group
  SELECT *,
         unnest(CASE WHEN cardinality(source_ips) > 0 THEN array_distinct(source_ips)
                     ELSE CAST(make_array(NULL) AS VARCHAR[]) END) AS ip
  FROM f
),
e AS (                 -- each (event, address) once per execution window that reads it;
                       -- keys: '' stands for a missing user or address (a null group)
  SELECT coalesce(nullif(user_name, ''), '') AS k_user, coalesce(ip, '') AS k_ip, event_time AS t,
         nullif(authz_decision, '') AS v_decision, response_code AS v_code,
         nullif(response_message, '') AS v_message, nullif(verb, '') AS v_verb,
         nullif(request_uri, '') AS v_uri, nullif(resource, '') AS v_resource,
         nullif(namespace, '') AS v_namespace, user_groups AS v_groups,
         nullif(user_agent, '') AS v_agent,
         unnest(make_array(first_end, first_end + INTERVAL '5 minutes')) AS window_end
  FROM (SELECT *, date_bin(INTERVAL '5 minutes', event_time) + INTERVAL '5 minutes' AS first_end
        FROM i)
),
w AS (SELECT * FROM e WHERE t >= window_end - INTERVAL '6 minutes'),
c AS (                 -- cheap necessary conditions first: 6 to 74 events, allow and forbid
  SELECT k_user, k_ip, window_end
  FROM w
  GROUP BY k_user, k_ip, window_end
  HAVING count(*) > 5 AND count(*) < 75 AND min(v_decision) < max(v_decision)
),
g AS (                 -- STATS ... BY username, sourceIPs | WHERE ..., per window
  SELECT w.k_user, w.k_ip, w.window_end,
         count(*) AS document_count,
         count(DISTINCT v_decision) AS decision_count_distinct,
         count(DISTINCT v_verb) AS verb_count_distinct,
         count(DISTINCT v_uri) AS request_uri_count_distinct,
         count(DISTINCT v_resource) AS resource_count_distinct,
         array_sort(array_distinct(array_agg(v_message) FILTER (WHERE v_message IS NOT NULL))) AS response_message_values,
         array_sort(array_distinct(array_agg(v_verb) FILTER (WHERE v_verb IS NOT NULL))) AS verb_values,
         array_sort(array_distinct(array_agg(v_code) FILTER (WHERE v_code IS NOT NULL))) AS response_code_values,
         array_sort(array_distinct(array_agg(v_resource) FILTER (WHERE v_resource IS NOT NULL))) AS resource_values,
         array_sort(array_distinct(array_agg(v_namespace) FILTER (WHERE v_namespace IS NOT NULL))) AS namespace_values,
         array_sort(array_distinct(flatten(array_agg(v_groups) FILTER (WHERE v_groups IS NOT NULL)))) AS user_groups_values,
         array_sort(array_distinct(array_agg(v_uri) FILTER (WHERE v_uri IS NOT NULL))) AS request_uri_values,
         array_sort(array_distinct(array_agg(v_agent) FILTER (WHERE v_agent IS NOT NULL))) AS user_agent_values
  FROM c
  JOIN w ON w.k_user = c.k_user AND w.k_ip = c.k_ip AND w.window_end = c.window_end
  GROUP BY w.k_user, w.k_ip, w.window_end
  HAVING count(DISTINCT v_decision) = 2
     AND count(DISTINCT v_uri) > 5
     AND count(DISTINCT v_resource) > 3
     AND count(*) < 75
)
SELECT f.*,
       json_build_object('window_start', g.window_end - INTERVAL '6 minutes', 'window_end', g.window_end,
                         'user_name', nullif(g.k_user, ''), 'source_ip', nullif(g.k_ip, ''),
                         'count', g.document_count,
                         'decision_count_distinct', g.decision_count_distinct,
                         'verb_count_distinct', g.verb_count_distinct,
                         'request_uri_count_distinct', g.request_uri_count_distinct,
                         'resource_count_distinct', g.resource_count_distinct,
                         'response_message_values', g.response_message_values,
                         'verb_values', g.verb_values, 'response_code_values', g.response_code_values,
                         'resource_values', g.resource_values, 'namespace_values', g.namespace_values,
                         'user_groups_values', g.user_groups_values,
                         'request_uri_values', g.request_uri_values,
                         'user_agent_values', g.user_agent_values) AS details
FROM (                 -- each group with the two first window ends its events can have (an
                       -- event's first end is date_bin + 5 minutes; a window holds events
                       -- whose first end is its own end or the one before): join keys that
                       -- leave each event a handful of candidate groups, not every window of
                       -- its key
  SELECT *, unnest(make_array(window_end, window_end - INTERVAL '5 minutes')) AS first_end FROM g
) g
JOIN f ON coalesce(nullif(f.user_name, ''), '') = g.k_user
      AND date_bin(INTERVAL '5 minutes', f.event_time) + INTERVAL '5 minutes' = g.first_end
      AND f.event_time >= g.window_end - INTERVAL '6 minutes'
      AND f.event_time < g.window_end
      AND (array_has(f.source_ips, g.k_ip)
           OR (g.k_ip = '' AND coalesce(cardinality(f.source_ips), 0) = 0))
-- one alert per (group, window): its earliest event
QUALIFY row_number() OVER (PARTITION BY g.k_user, g.k_ip, g.window_end
                           ORDER BY f.event_time, f.audit_id, f.source_file, f.source_line) = 1
