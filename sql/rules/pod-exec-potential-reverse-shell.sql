-- id: pod-exec-potential-reverse-shell
-- name: Kubernetes Pod Exec Potential Reverse Shell
-- elastic_rule_id: f1a2b3c4-d5e6-4789-a012-3456789abc01
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/execution_kubernetes_pod_exec_potential_reverse_shell.toml, updated 2026/04/23)
-- type: esql
-- language: esql
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0002 Execution; T1609 Container Administration Command; T1059 Command and Scripting Interpreter
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Execution; Tactic: Command and Control; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: exec
-- requires: command=
-- references: https://attack.mitre.org/techniques/T1609/
--   https://attack.mitre.org/techniques/T1059/
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
--   | WHERE Esql.executed_command IS NOT NULL AND command RLIKE """.*(/dev/tcp/|/dev/udp/|zsh/net/tcp|zsh/net/udp|nc\s+-e|ncat\s+-e|netcat\s+-e|nc\s.*\s-c\s|mkfifo|socat\s.*exec|socat\s.*pty|bash\s+-i\s+>&|0>&1|>&\s*/dev/tcp|import\s+socket.*connect|import\s+pty.*spawn|socket\.socket.*connect|IO::Socket::INET|fsockopen|TCPSocket\.new|/inet/tcp/).*""" AND
--    // local service health check patterns
--     NOT command RLIKE """.*/dev/tcp/(localhost|127\.0\.0\.1)/(8080|8443|9090|3000|5000|8888|80|443).*"""
--   | KEEP *
-- what: |
--   Flags exec into a pod when the URL-decoded command payload resembles reverse-shell or bind-
--   shell one-liners invocation patterns. Legitimate debug sessions sometimes use similar building
--   blocks, but together these patterns align with post-exploitation interactive access and
--   command-and-control.
-- why: |
--   The rule inspects Kubernetes audit exec requestURI values, URL-decodes them, parses the
--   command query fragment, and
--   matches high-signal shell and socket idioms often used to obtain a allback shell from inside a
--   container.
-- triage: |
--   - Identify the actor (kubernetes.audit.user.username, groups, impersonation), source IP, and
--     user agent
--   (human kubectl vs automation).
--   - Resolve the target namespace, pod, and container from kubernetes.audit.objectRef.* and
--     correlate with
--   workload ownership and change tickets.
--   - Pull the raw and decoded URI from the alert document and replay the inferred command in a
--     sandbox only if policy
--   allows—otherwise rely on audit and platform logs.
--   - Hunt nearby events from the same identity: secret reads, pods/exec to other workloads,
--     RoleBinding
--   changes, or anonymous API use.
-- false_positives: |
--   - Security training, CTF-style images, or vendor diagnostics may include bash redirection or
--     /dev/tcp examples;
--   baseline approved images and break-glass accounts.
--   - Some observability or mesh sidecars use socat or sockets in ways that could overlap;
--     validate container image and
--   command lineage.
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
         replace(replace(
           regexp_match(url_decode(request_uri), '.*?/exec\?(.*?)&(?:container|stdin|stdout|stderr)=')[1],
           'command=', ''), '&', ' ') AS command
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
       json_build_object(
         'command', command,
         'executed_command', replace(command, '+', ' ')
       ) AS details
FROM exec
-- The rule tests `command` (after & became a space, before a decoded + does), not
-- executed_command: `nc%2B-e` (a literal +) does not match nc\s+-e. Lucene's \s is
-- [ \t\n\r], spelled out because Rust's \s is wider. The alternatives with `&` (bash -i >&,
-- 0>&1, >& /dev/tcp) never match: `command` holds no & any more (and Lucene reads `&` as
-- intersection, which empties them as well); they are kept as written.
WHERE command ~ '(?s)(/dev/tcp/|/dev/udp/|zsh/net/tcp|zsh/net/udp|nc[ \t\n\r]+-e|ncat[ \t\n\r]+-e|netcat[ \t\n\r]+-e|nc[ \t\n\r].*[ \t\n\r]-c[ \t\n\r]|mkfifo|socat[ \t\n\r].*exec|socat[ \t\n\r].*pty|bash[ \t\n\r]+-i[ \t\n\r]+>&|0>&1|>&[ \t\n\r]*/dev/tcp|import[ \t\n\r]+socket.*connect|import[ \t\n\r]+pty.*spawn|socket\.socket.*connect|IO::Socket::INET|fsockopen|TCPSocket\.new|/inet/tcp/)'
  -- local service health check patterns
  AND NOT command ~ '(?s)/dev/tcp/(localhost|127\.0\.0\.1)/(8080|8443|9090|3000|5000|8888|80|443)'
