-- id: anonymous-request-authorized-unusual-user-agent
-- name: Kubernetes Anonymous Request Authorized by Unusual User Agent
-- elastic_rule_id: 63c057cc-339a-11ed-a261-0242ac120002
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/initial_access_anonymous_request_authorized.toml, updated 2026/04/10)
-- type: new_terms
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- model: new_terms
-- new_terms_fields: user_agent
-- history_window_start: now-7d
-- mitre: TA0001 Initial Access; T1078 Valid Accounts
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Initial Access; Tactic: Defense Evasion; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: allow | granted
-- references: https://media.defense.gov/2022/Aug/29/2003066362/-1/-1/0/CTR_KUBERNETES_HARDENING_GUIDANCE_1.2_20220829.PDF
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   kubernetes.audit.user.username:("system:anonymous" or "system:unauthenticated" or not *) and
--   user_agent.original:(* and not (*kubernetes/$Format)) and
--   not kubernetes.audit.requestURI:(/healthz* or /livez* or /readyz* or /version or /.well-known/oauth-authorization-server)
-- what: |
--   This rule detects when an unauthenticated user request is authorized within the cluster via an
--   unusual user agent. Attackers may attempt to use anonymous accounts to gain initial access to
--   the cluster or to avoid attribution of their activities within the cluster. This rule excludes
--   the /healthz, /livez, /version and /.well-known/oauth-authorization-server endpoints which are
--   commonly accessed anonymously.
-- why: |
--   Kubernetes, a container orchestration platform, manages workloads and services. It uses
--   authentication to control access. Adversaries might exploit anonymous access to perform
--   unauthorized actions without leaving traces. The detection rule identifies unauthorized access
--   by monitoring audit logs for anonymous requests that are allowed, excluding common health
--   check endpoints, to flag potential misuse.
-- triage: |
--   - Review the audit logs for the specific event.dataset:kubernetes.audit_logs to identify the
--     context and details of the anonymous request.
--   - Examine the kubernetes.audit.user.username field to confirm if the request was made by
--     "system:anonymous" or "system:unauthenticated" and assess the potential risk associated with
--     these accounts.
--   - Analyze the kubernetes.audit.requestURI to determine the target of the request and verify if
--     it is outside the excluded endpoints (/healthz, /livez, /readyz), which could indicate
--     suspicious activity.
--   - Investigate the source IP address and other network metadata associated with the request to
--     identify the origin and assess if it aligns with known or expected traffic patterns.
--   - Check for any subsequent or related activities in the audit logs that might indicate further
--     unauthorized actions or attempts to exploit the cluster.
-- false_positives: |
--   - Health check endpoints like /healthz, /livez, and /readyz are already excluded, but ensure
--     any custom health check endpoints are also excluded to prevent false positives.
--   - Regularly scheduled maintenance tasks or automated scripts that use anonymous access for
--     legitimate purposes should be identified and excluded from the rule to avoid unnecessary
--     alerts.
--   - Some monitoring tools might use anonymous requests for gathering metrics; verify these tools
--     and exclude their specific request patterns if they are known to be safe.
--   - Development environments might have different access patterns compared to production;
--     consider creating separate rules or exceptions for non-production clusters to reduce noise.
--   - Review the audit logs to identify any recurring anonymous requests that are part of normal
--     operations and adjust the rule to exclude these specific cases.
-- new_terms: |
--   The term is the user agent: an event alerts when no allowed anonymous request (user
--   `system:anonymous`, `system:unauthenticated` or none) outside the excluded health and discovery
--   paths with the same user agent happened in the 7 days before it (an earlier one at exactly 7
--   days still counts as seen). A missing or empty user agent is no term and never alerts;
--   client-go's default agent (`*kubernetes/$Format`, exact and case-sensitive as in KQL) never
--   counts. The path exclusions are KQL terms on a keyword: `/healthz*`, `/livez*`, `/readyz*` are
--   prefixes, `/version` and `/.well-known/oauth-authorization-server` exact (kubectl's
--   `/version?timeout=32s` is not excluded). The first week of an archive has no history, so every
--   agent in it is new, as on a fresh Elastic index.
SELECT *
FROM audit
WHERE authz_decision = 'allow'
  -- username:("system:anonymous" or "system:unauthenticated" or not *): an empty name does
  -- not exist in Elastic (its pipeline drops empty strings).
  AND (user_name IN ('system:anonymous', 'system:unauthenticated') OR nullif(user_name, '') IS NULL)
  -- user_agent.original:(* and not (*kubernetes/$Format))
  AND nullif(user_agent, '') IS NOT NULL
  AND user_agent NOT LIKE '%kubernetes/$Format'
  AND NOT coalesce(starts_with(request_uri, '/healthz') OR starts_with(request_uri, '/livez')
                   OR starts_with(request_uri, '/readyz')
                   OR request_uri IN ('/version', '/.well-known/oauth-authorization-server'), false)
