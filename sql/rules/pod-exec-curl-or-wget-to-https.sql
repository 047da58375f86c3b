-- id: pod-exec-curl-or-wget-to-https
-- name: Kubernetes Pod Exec with Curl or Wget to HTTPS
-- elastic_rule_id: c9d4e8f1-2a3b-4c5d-8e9f-0a1b2c3d4e5f
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/execution_kubernetes_pod_exec_curl_wget_https.toml, updated 2026/04/23)
-- type: esql
-- language: esql
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0002 Execution; T1609 Container Administration Command | TA0011 Command and Control; T1105 Ingress Tool Transfer
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Execution; Tactic: Command and Control; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: exec
-- requires: command=
-- references: https://attack.mitre.org/techniques/T1609/
--   https://attack.mitre.org/techniques/T1105/
-- query: |
--   FROM logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | WHERE kubernetes.audit.objectRef.subresource == "exec"
--     AND kubernetes.audit.requestURI LIKE "*command=*"
--   | EVAL decoded_uri = URL_DECODE(kubernetes.audit.requestURI)
--   | GROK decoded_uri "%{DATA}/exec\\?%{DATA:raw_commands}&(?:container|stdin|stdout|stderr)=%{GREEDYDATA}"
--   | EVAL command = REPLACE(raw_commands, "command=", "")
--   | EVAL command = REPLACE(command, "&", " ")
--   | EVAL Esql.executed_command = REPLACE(command, "\\+", " ")
--   | WHERE Esql.executed_command IS NOT NULL
--     AND Esql.executed_command RLIKE """.*(curl.*https|wget.*https).*"""
--     AND NOT Esql.executed_command RLIKE """.*(/api/v1/health|/healthz|/readyz|/livez|127\.0\.0\.1|localhost|/openid/v1/jwks|/openid-connect/certs|/.well-known/openid-configuration|/.well-known/jwks\.json|kubernetes\.default\.svc).*"""
--   | KEEP *
-- what: |
--   Detects pod or attach exec API calls where the decoded request query implies **curl** or wget
--   fetching an **https** URL. Attackers with permission to exec into workloads often run one-
--   liners to stage tooling, pull scripts or binaries, or exfiltrate data over HTTPS—activity that
--   should be rare compared to shells, debuggers, or expected health checks. The rule decodes the
--   audit requestURI, reconstructs a readable command string from repeated command parameters, and
--   applies **noise filters** for common cluster health and OIDC/JWKS endpoints so benign
--   automation is less likely to alert.
-- why: |
--   Kubernetes audit logs record exec (and similar attach) calls on requestURI, including URL-
--   encoded
--   command segments. This rule URL-decodes the URI, extracts the query portion into a single
--   string, and
--   flags curl or wget combined with https, excluding several ommon health, localhost, and
--   OIDC/JWKS patterns.
-- triage: |
--   - Confirm who may exec into the target namespace: review kubernetes.audit.user.username,
--     groups, impersonation, and
--   source.ip / user_agent.original (kubectl, CI, webhooks).
--   - Map the pod (kubernetes.audit.objectRef.name) and workload owner; retrieve the exact decoded
--     URI from
--   Esql.decoded_uri and the reconstructed Esql.command in the alert.
--   - Search for adjacent audit events from the same identity: secret reads, additional execs,
--     RBAC changes, or anonymous
--   access.
--   - If malicious, revoke credentials used for exec, review RoleBindings for **`pods/exec`**, and
--     inspect the pod
--   filesystem or snapshot for dropped artifacts.
-- false_positives: |
--   - Approved runbooks or support sessions may use kubectl exec with curl/wget to test egress or
--     download vendor tools;
--   document break-glass identities and tune exclusions.
--   - Some cluster components use HTTPS to **kubernetes.default.svc** or **.well-known**
--     endpoints; the rule attempts to
--   filter those—expand the exclusion list if your platform uses additional first-party URLs.
WITH exec AS (
  -- The ES|QL pipeline, as in every exec rule of the pack: URL_DECODE is `url_decode` (form
  -- decoding: `+` is a space, a bad escape gives null). GROK
  -- `%{DATA}/exec\?%{DATA:raw_commands}&(?:container|stdin|stdout|stderr)=%{GREEDYDATA}` is an
  -- unanchored search with lazy DATA (`.*?`) up to the first &container=, &stdin=, &stdout= or
  -- &stderr=; no such parameter after the command gives null and no alert. Grok's `.` (Oniguruma,
  -- Ruby syntax) stops at a newline, as Rust's does without (?s): a command holding an encoded
  -- newline (%0A) yields no match, as in Elastic. REPLACE replaces all: `command=` removed, then
  -- `&` and then `+` (only a decoded %2B is left) become spaces.
  -- RLIKE is a Lucene regular expression over the whole string: `.*(...).*` is a search for the
  -- group anywhere, which `~` does; (?s) because Lucene's `.` also matches a newline.
  -- PostgreSQL's dialect has no SELECT * EXCEPT: the final SELECT lists every column of table
  -- audit (schema 2), so that the helper columns stay out of the alert.
  -- No stage or decision test, as in the rule: an exec logs ResponseStarted and ResponseComplete
  -- (and RequestReceived unless the policy omits it), each an alert; refused execs alert too.
  SELECT *,
         replace(replace(replace(
           regexp_match(url_decode(request_uri), '.*?/exec\?(.*?)&(?:container|stdin|stdout|stderr)=')[1],
           'command=', ''), '&', ' '), '+', ' ') AS executed_command
  FROM audit
  WHERE subresource = 'exec'
    AND request_uri LIKE '%command=%'
)
SELECT event_time, received_time, audit_id, stage, level, verb, request_uri, user_name, user_uid,
       user_groups, user_extra, impersonated_user_name, source_ips, user_agent, resource, subresource,
       namespace, object_name, api_group, api_version, response_code, response_status,
       response_reason, response_message, authz_decision, authz_reason, annotations, request_object,
       response_object, source_format, source_file, source_line, impersonated_user_groups,
       object_fields, cluster, date,
       json_build_object('executed_command', executed_command) AS details
FROM exec
-- curl (or wget) and, anywhere after it, https; case-sensitive (CURL does not count).
WHERE executed_command ~ '(?s)(curl.*https|wget.*https)'
  -- As written: the unescaped `.` of `/.well-known` is any character.
  AND NOT executed_command ~ '(?s)(/api/v1/health|/healthz|/readyz|/livez|127\.0\.0\.1|localhost|/openid/v1/jwks|/openid-connect/certs|/.well-known/openid-configuration|/.well-known/jwks\.json|kubernetes\.default\.svc)'
