-- id: multi-resource-discovery
-- name: Kubernetes Multi-Resource Discovery
-- elastic_rule_id: c2a91e88-4f4b-4e1d-9c7b-8fde112a9403
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/discovery_kubernetes_multi_resource_setup_recon.toml, updated 2026/05/15)
-- type: esql
-- language: esql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-11m
-- max_signals: 100
-- model: aggregation
-- window: 1m
-- group_by: user_name, source_ip, user_agent, time_interval
-- mitre: TA0007 Discovery; T1613 Container and Resource Discovery
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Discovery; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: get | list
-- requires: namespaces | nodes | pods | roles | configmaps | serviceaccounts | rolebindings
-- references: https://attack.mitre.org/techniques/T1613/
--   https://microsoft.github.io/Threat-Matrix-for-Kubernetes/
-- query: |
--   from logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | eval Esql.time_interval = date_trunc(1 minute, @timestamp)
--   | where event.dataset == "kubernetes.audit_logs"
--       and event.action in ("get", "list")
--       and kubernetes.audit.objectRef.resource in ("namespaces", "nodes", "pods", "roles", "configmaps", "serviceaccounts", "clusterroles", "clusterrolebindings", "rolebindings")
--       and source.ip is not null and user.name IS NOT NULL
--       and not to_string(source.ip) in ("127.0.0.1", "::1")
--       and not user.name rlike """(system:serviceaccount:kube-system:|eks:|system:kube-|arn:aws:sts::.*:assumed-role/AWSServiceRoleForAmazonEKS/|system:serviceaccount:kube-system:azure|system:node:aks-default|aksService).*"""
--       and not kubernetes.audit.user.username in ("system:serviceaccount:flux-system:kustomize-controller", "system:serviceaccount:flux-system:helm-controller", "system:serviceaccount:flux-system:source-controller", "system:serviceaccount:security:trivy-operator")
--   | stats
--       Esql.unique_resources = count_distinct(kubernetes.audit.objectRef.resource),
--       Esql.enumerated_resources = values(kubernetes.audit.objectRef.resource),
--       Esql.enumerated_namespaces = values(kubernetes.audit.objectRef.namespace),
--       Esql.decisions = values(`kubernetes.audit.annotations.authorization_k8s_io/decision`)
--     by user.name, kubernetes.audit.user.username, source.ip, user_agent.original, Esql.time_interval
--   | where Esql.unique_resources >= 3
--   | keep Esql.*, kubernetes.audit.user.username, user.name, source.ip, user_agent.original
-- what: |
--   Adversaries who land credentials in a cluster—or abuse an over-privileged token—often map the
--   environment before exfiltration or privilege escalation. A practical first pass is to learn
--   where workloads run, how the cluster is partitioned, and what RBAC exists at namespace vs
--   cluster scope. Rapid `get`/`list` traffic across distinct API resource kinds that answer those
--   questions (namespaces, workloads, roles, cluster-wide roles) is a common setup and orientation
--   pattern for both interactive attackers and automated recon scripts. It is less typical for
--   steady-state controllers, which usually touch a narrow set of resources repeatedly. This rule
--   highlights that cross-resource burst from a single client fingerprint within a one-minute
--   bucket so analysts can separate routine automation from potential discovery and permission
--   reconnaissance ahead of follow-on actions.
-- why: |
--   The rule groups Kubernetes audit `get`/`list` events on namespaces, pods, roles, and
--   clusterroles into one-minute windows
--   per `user.name`, `source.ip`, `user_agent.original`, and flags windows where three or more
--   distinct resource types appear.
--   That combination is consistent with someone sketching cluster layout and privilege structure
--   rather than touching a single
--   resource type. **Allowed and denied** authorizations are both included: failures still signal
--   probing and validate which
--   object types the caller attempted to reach.
-- triage: |
--   - Pivot on `Esql.time_interval` and the same identity or IP in raw audit logs to see ordering
--     (e.g. namespaces first,
--   then roles, then pods) and whether calls succeeded.
--   - Review `Esql.decisions` and namespaces touched; correlate with RBAC for that identity to see
--     if scope matches a
--   known job or breaks least-privilege expectations.
--   - Hunt for follow-on activity: secret/configmap reads, rolebinding changes, pod exec,
--     anonymous or unusual user agents.
--   - Baseline automation: CI, GitOps, and some monitoring agents can read several resource types
--     during sync; exclude
--   known service accounts or source networks if noisy.
-- false_positives: |
--   - Platform operators or runbooks that reconcile RBAC and workload state may legitimately span
--     these resource types in
--   a short window; tune by user, IP allowlist, or user agent when documented.
--   - Some installers briefly query namespaces, pods, and roles during upgrades—correlate with
--     change windows.
-- aggregation: |
--   Elastic runs this ES|QL every 5 minutes over the last 11 minutes and groups by, among others,
--   `time_interval = DATE_TRUNC(1 minute, @timestamp)`. The executions' windows, aligned to the
--   epoch ([end - 11m, end) with end a multiple of 5 minutes), start and end on whole minutes, so
--   each minute is wholly inside 2 or 3 of them and every one of those executions computes the same
--   group for it: Elastic raises the same alert 2 or 3 times (it cannot deduplicate aggregated
--   alerts). Here the window is that minute, and each firing (group, minute) alerts once. An event
--   counts if it is a `get` or `list` of namespaces, nodes, pods, roles, configmaps,
--   serviceaccounts, clusterroles, clusterrolebindings or rolebindings, with exactly one source IP
--   that is not 127.0.0.1 or ::1 (ES|QL's `TO_STRING(source.ip) IN (...)` on a multi-valued
--   source.ip is null, so an event with several source IPs never counts), and a user name that is
--   present, does not start with one of the RLIKE's prefixes (`system:serviceaccount:kube-system:`,
--   `eks:`, `system:kube-`, `arn:aws:sts::<anything>:assumed-role/AWSServiceRoleForAmazonEKS/`,
--   `system:node:aks-default`, `aksService`: Lucene's RLIKE matches the whole string, so `(...).*`
--   is a case-sensitive prefix test) and is not one of the four excluded service accounts.
--   `user.name` and `kubernetes.audit.user.username` are the same value (one column). Groups: (user
--   name, source IP, user agent, minute); a missing or empty user agent is a group of its own
--   (ES|QL's BY keeps nulls; empty strings count as missing). A group fires with at least 3
--   distinct resources. Each firing group gives one alert on its earliest event (ties broken by
--   audit id, file and line) with `details`: window_start and window_end (the minute), user_name,
--   source_ip, user_agent, count (events), unique_resources, and the VALUES lists
--   enumerated_resources, enumerated_namespaces and decisions, sorted. Elastic buckets on
--   `@timestamp`; audithound on the event's own time (`stageTimestamp`). Elastic's `source.ip` is
--   ip-typed (canonical IPv6 text); audithound compares the address as logged. With `--from/--to` a
--   minute cut by the scope sees only the events inside it.
WITH f AS (            -- the ES|QL WHERE: the events that count
  SELECT *
  FROM audit
  WHERE verb IN ('get', 'list')
    AND resource IN ('namespaces', 'nodes', 'pods', 'roles', 'configmaps', 'serviceaccounts',
                     'clusterroles', 'clusterrolebindings', 'rolebindings')
    -- source.ip is not null and not to_string(source.ip) in (...): null for several IPs
    AND cardinality(source_ips) = 1
    AND source_ips[1] NOT IN ('127.0.0.1', '::1')
    AND nullif(user_name, '') IS NOT NULL
    -- RLIKE is anchored at both ends: "(...).*" is a prefix test; (?s): Lucene's . matches any character
    AND NOT regexp_like(user_name, '(?s)^(?:system:serviceaccount:kube-system:|eks:|system:kube-|arn:aws:sts::.*:assumed-role/AWSServiceRoleForAmazonEKS/|system:serviceaccount:kube-system:azure|system:node:aks-default|aksService)')
    AND user_name NOT IN ('system:serviceaccount:flux-system:kustomize-controller',
                          'system:serviceaccount:flux-system:helm-controller',
                          'system:serviceaccount:flux-system:source-controller',
                          'system:serviceaccount:security:trivy-operator')
),
w AS (                 -- key k_agent: '' stands for a missing user agent (a null group)
  SELECT user_name AS k_user, source_ips[1] AS k_ip, coalesce(nullif(user_agent, ''), '') AS k_agent,
         date_trunc('minute', event_time) AS k_minute,
         resource AS v_resource, nullif(namespace, '') AS v_namespace,
         nullif(authz_decision, '') AS v_decision
  FROM f
),
c AS (                 -- cheap necessary condition first: at least 3 events
  SELECT k_user, k_ip, k_agent, k_minute
  FROM w
  GROUP BY k_user, k_ip, k_agent, k_minute
  HAVING count(*) >= 3
),
g AS (                 -- STATS ... BY user, IP, agent, time_interval of the firing groups
  SELECT w.k_user, w.k_ip, w.k_agent, w.k_minute,
         count(*) AS event_count,
         count(DISTINCT v_resource) AS unique_resources,
         array_sort(array_distinct(array_agg(v_resource))) AS enumerated_resources,
         array_sort(array_distinct(array_agg(v_namespace) FILTER (WHERE v_namespace IS NOT NULL))) AS enumerated_namespaces,
         array_sort(array_distinct(array_agg(v_decision) FILTER (WHERE v_decision IS NOT NULL))) AS decisions
  FROM c
  JOIN w ON w.k_user = c.k_user AND w.k_ip = c.k_ip AND w.k_agent = c.k_agent
        AND w.k_minute = c.k_minute
  GROUP BY w.k_user, w.k_ip, w.k_agent, w.k_minute
  HAVING count(DISTINCT v_resource) >= 3
)
SELECT f.*,
       json_build_object('window_start', g.k_minute, 'window_end', g.k_minute + INTERVAL '1 minute',
                         'user_name', g.k_user, 'source_ip', g.k_ip, 'user_agent', nullif(g.k_agent, ''),
                         'count', g.event_count, 'unique_resources', g.unique_resources,
                         'enumerated_resources', g.enumerated_resources,
                         'enumerated_namespaces', g.enumerated_namespaces,
                         'decisions', g.decisions) AS details
FROM g
JOIN f ON f.user_name = g.k_user
      AND f.source_ips[1] = g.k_ip
      AND coalesce(nullif(f.user_agent, ''), '') = g.k_agent
      AND date_trunc('minute', f.event_time) = g.k_minute
-- one alert per (group, minute): its earliest event
QUALIFY row_number() OVER (PARTITION BY g.k_user, g.k_ip, g.k_agent, g.k_minute
                           ORDER BY f.event_time, f.audit_id, f.source_file, f.source_line) = 1
