-- id: rapid-secret-get-activity-against-multiple-objects
-- name: Kubernetes Rapid Secret GET Activity Against Multiple Objects
-- elastic_rule_id: b4c8e2a1-9f3d-4e7c-a2b1-0d5e6f7a8b9c
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/credential_access_kubernetes_multiple_secret_retrieval_burst.toml, updated 2026/05/15)
-- type: esql
-- language: esql
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- model: aggregation
-- window: 6m
-- group_by: user_name, source_ip, user_agent
-- mitre: TA0006 Credential Access; T1552 Unsecured Credentials
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Credential Access; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: secrets
-- requires: get
-- references: https://attack.mitre.org/techniques/T1552/007/
-- query: |
--   from logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | where event.dataset == "kubernetes.audit_logs"
--       and event.action == "get"
--       and kubernetes.audit.objectRef.resource == "secrets"
--       and source.ip is not null and user.name is not null
--       and not to_string(source.ip) in ("127.0.0.1", "::1") and
--       not user.name in ("system:kube-controller-manager", "system:kube-scheduler") and
--       not kubernetes.audit.objectRef.name like "sh.helm.release.*" and
--       not kubernetes.audit.user.username in ("system:serviceaccount:flux-system:kustomize-controller", "system:serviceaccount:flux-system:helm-controller", "system:serviceaccount:flux-system:source-controller", "system:serviceaccount:security:trivy-operator")
--   | stats
--       Esql.unique_credentials = count_distinct(kubernetes.audit.objectRef.name),
--       Esql.secrets_names = values(kubernetes.audit.objectRef.name),
--       Esql.namespaces = values(kubernetes.audit.objectRef.namespace),
--       Esql.outcome = values(`kubernetes.audit.annotations.authorization_k8s_io/decision`)
--     by user.name, kubernetes.audit.user.username, source.ip, user_agent.original
--   | where Esql.unique_credentials >= 3
--   | KEEP user.name, kubernetes.audit.user.username, source.ip, user_agent.original, Esql.*
-- what: |
--   This rule detects an unusual volume of Kubernetes API get requests against multiple distinct
--   Secret objects from the same client fingerprint (user, source IP, and user agent) within a
--   defined lookback window. This can indicate credential access or in-cluster reconnaissance,
--   where a user or token is used to enumerate and retrieve sensitive data such as service account
--   tokens, registry credentials, TLS material, or application configuration. Failed get requests
--   are also included, as they may reveal RBAC boundaries, confirm the existence of targeted
--   secrets, or reflect automated probing activity.
-- why: |
--   This rule surfaces clusters of `get` operations on the `secrets` API where the same identity
--   and client path
--   (`user.name`, `source.ip`, `user_agent.original`) touch several different secret names within
--   the rule lookback window.
--   **Allowed and denied** outcomes are included: successful reads may indicate harvesting;
--   repeated **forbidden** or
--   **unauthorized** responses can still signal reconnaissance, RBAC probing, or scripted spray
--   against secret names that
--   exist in the cluster.
-- triage: |
--   - Review the matching events' user, source IPs, user agent and object.
-- false_positives: |
--   - Startup, Helm, or controllers may legitimately touch many secrets in one window; tune by
--     user, namespace, or IP
--   allowlists when baselined.
-- aggregation: |
--   Elastic runs this ES|QL every 5 minutes over the last 6 minutes and aggregates each execution's
--   window on its own. Here the executions are hopping windows aligned to the epoch: one ends at
--   every multiple of 5 minutes (10:05, 10:10, ...) and covers [end - 6m, end), start included, end
--   excluded, so an event in the last minute before a 5-minute mark (10:04:00 to 10:04:59.999999)
--   is in two windows and every other event in one. An event counts if it is a `get` of `secrets`
--   with exactly one source IP that is not 127.0.0.1 or ::1, a user name that is not one of the six
--   excluded, and an object name that does not match `sh.helm.release.*`. ES|QL's logic on nulls
--   and lists is kept: `TO_STRING(source.ip) IN (...)` on a multi-valued source.ip is null, so an
--   event with several source IPs never counts; `NOT name LIKE ...` on a missing name is null, so a
--   get without a name never counts. Empty strings count as missing, as Elastic's pipeline drops
--   them. `user.name` and `kubernetes.audit.user.username` are the same value (one column). Groups:
--   (user name, source IP, user agent) per window; a missing or empty user agent is a group of its
--   own (ES|QL's BY keeps nulls). A group fires when it holds at least 3 distinct object names
--   (ES|QL's count_distinct is approximate, but exact at these sizes). Each firing (group, window)
--   gives one alert on the group's earliest event in that window (ties broken by audit id, file and
--   line) with `details`: window_start, window_end, user_name, source_ip, user_agent, count
--   (events), unique_credentials, and the VALUES lists secrets_names, namespaces and outcome
--   (decisions), sorted. A burst inside the overlap of two windows fires in both, as Elastic's two
--   executions do (Elastic cannot deduplicate aggregated alerts): two alerts, each on the earliest
--   event of its window. Elastic's `source.ip` is ip-typed (canonical IPv6 text); audithound
--   compares the address as logged. Elastic's windows run over `@timestamp` (for the filestream
--   input, when the agent read the line); here over the event's own time. With `--from/--to` a
--   window cut by the scope sees only the events inside it.
WITH f AS (            -- the ES|QL WHERE: the events that count
  SELECT *
  FROM audit
  WHERE verb = 'get'
    AND resource = 'secrets'
    -- source.ip is not null and not to_string(source.ip) in (...): null for several IPs
    AND cardinality(source_ips) = 1
    AND source_ips[1] NOT IN ('127.0.0.1', '::1')
    -- user.name is not null and not user.name in (...) and not username in (...)
    AND nullif(user_name, '') NOT IN ('system:kube-controller-manager', 'system:kube-scheduler',
        'system:serviceaccount:flux-system:kustomize-controller',
        'system:serviceaccount:flux-system:helm-controller',
        'system:serviceaccount:flux-system:source-controller',
        'system:serviceaccount:security:trivy-operator')
    -- not name like "sh.helm.release.*": null (no name) drops the event, as in ES|QL
    AND nullif(object_name, '') NOT LIKE 'sh.helm.release.%'
),
e AS (                 -- each event once per execution window that reads it;
                       -- key k_agent: '' stands for a missing user agent (a null group)
  SELECT user_name AS k_user, source_ips[1] AS k_ip, coalesce(nullif(user_agent, ''), '') AS k_agent,
         object_name AS v_name, nullif(namespace, '') AS v_namespace,
         nullif(authz_decision, '') AS v_decision, event_time AS t,
         unnest(make_array(first_end, first_end + INTERVAL '5 minutes')) AS window_end
  FROM (SELECT *, date_bin(INTERVAL '5 minutes', event_time) + INTERVAL '5 minutes' AS first_end
        FROM f)
),
w AS (SELECT * FROM e WHERE t >= window_end - INTERVAL '6 minutes'),
c AS (                 -- cheap necessary condition first: at least 3 events
  SELECT k_user, k_ip, k_agent, window_end
  FROM w
  GROUP BY k_user, k_ip, k_agent, window_end
  HAVING count(*) >= 3
),
g AS (                 -- STATS ... BY user, IP, agent of the firing groups, per window
  SELECT w.k_user, w.k_ip, w.k_agent, w.window_end,
         count(*) AS event_count,
         count(DISTINCT v_name) AS unique_credentials,
         array_sort(array_distinct(array_agg(v_name))) AS secrets_names,
         array_sort(array_distinct(array_agg(v_namespace) FILTER (WHERE v_namespace IS NOT NULL))) AS namespaces,
         array_sort(array_distinct(array_agg(v_decision) FILTER (WHERE v_decision IS NOT NULL))) AS outcome
  FROM c
  JOIN w ON w.k_user = c.k_user AND w.k_ip = c.k_ip AND w.k_agent = c.k_agent
        AND w.window_end = c.window_end
  GROUP BY w.k_user, w.k_ip, w.k_agent, w.window_end
  HAVING count(DISTINCT v_name) >= 3
)
SELECT f.*,
       json_build_object('window_start', g.window_end - INTERVAL '6 minutes', 'window_end', g.window_end,
                         'user_name', g.k_user, 'source_ip', g.k_ip, 'user_agent', nullif(g.k_agent, ''),
                         'count', g.event_count, 'unique_credentials', g.unique_credentials,
                         'secrets_names', g.secrets_names, 'namespaces', g.namespaces,
                         'outcome', g.outcome) AS details
FROM (                 -- each group with the two first window ends its events can have (an
                       -- event's first end is date_bin + 5 minutes; a window holds events
                       -- whose first end is its own end or the one before): join keys that
                       -- leave each event a handful of candidate groups, not every window of
                       -- its key
  SELECT *, unnest(make_array(window_end, window_end - INTERVAL '5 minutes')) AS first_end FROM g
) g
JOIN f ON f.user_name = g.k_user
      AND f.source_ips[1] = g.k_ip
      AND coalesce(nullif(f.user_agent, ''), '') = g.k_agent
      AND date_bin(INTERVAL '5 minutes', f.event_time) + INTERVAL '5 minutes' = g.first_end
      AND f.event_time >= g.window_end - INTERVAL '6 minutes'
      AND f.event_time < g.window_end
-- one alert per (group, window): its earliest event
QUALIFY row_number() OVER (PARTITION BY g.k_user, g.k_ip, g.k_agent, g.window_end
                           ORDER BY f.event_time, f.audit_id, f.source_file, f.source_line) = 1
