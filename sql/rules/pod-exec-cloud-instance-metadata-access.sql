-- id: pod-exec-cloud-instance-metadata-access
-- name: Kubernetes Pod Exec Cloud Instance Metadata Access
-- elastic_rule_id: a8e7d6c5-b4a3-2918-0f9e-8d7c6b5a4032
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/credential_access_kubernetes_pod_exec_cloud_instance_metadata.toml, updated 2026/04/23)
-- type: esql
-- language: esql
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0006 Credential Access; T1552 Unsecured Credentials | TA0002 Execution; T1609 Container Administration Command
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Domain: Cloud; Use Case: Threat Detection; Tactic: Credential Access; Tactic: Execution; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: exec
-- requires: command=
-- references: https://attack.mitre.org/techniques/T1552/005/
--   https://hardenedsecurity.io/blog/aws-imds-vulnerabilities-and-mitigations/
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
--     AND Esql.executed_command RLIKE """.*(169\.254\.169\.254|2852039166|0xa9fea9fe|/latest/api/token|/latest/meta-data|/latest/user-data|/latest/dynamic/instance-identity|computeMetadata/v1|metadata\.google\.internal|metadata/identity/oauth2/token|metadata/instance).*"""
--   | EVAL Esql.cloud_target = CASE(
--       Esql.executed_command RLIKE """.*(169\.254\.169\.254|2852039166|0xa9fea9fe|/latest/meta-data|/latest/api/token|/latest/user-data|/latest/dynamic).*""", "AWS_IMDS",
--       Esql.executed_command RLIKE """.*(computeMetadata/v1|metadata\.google\.internal).*""", "GCP_METADATA",
--       Esql.executed_command RLIKE """.*metadata/identity/oauth2/token.*""", "AZURE_IMDS",
--       "UNKNOWN"
--     )
--   | EVAL Esql.is_credential_theft = CASE(
--       Esql.executed_command RLIKE """.*(security-credentials|/api/token|oauth2/token|service-accounts/.*/token).*""", "yes",
--       "recon"
--     )
--   | KEEP *
-- what: |
--   Detects Kubernetes pod exec sessions whose decoded command line references cloud instance
--   metadata endpoints or equivalent hostnames and paths. Workloads that reach the link-local
--   metadata IP, AWS IMDS paths, GCP computeMetadata, Azure IMDS token routes, or encoded variants
--   are often attempting to harvest role credentials, tokens, or instance attributes from the
--   underlying node or hypervisor boundary. That behavior is high risk in multi-tenant and
--   regulated environments because it can expose short-lived cloud credentials to code running
--   inside a container. The rule classifies a coarse cloud target label and whether the string
--   looks like credential retrieval versus lighter reconnaissance.
-- why: |
--   This alert fires when an audited exec requestURI, after URL decoding and command
--   reconstruction, matches patterns
--   associated with instance metadata services across AWS, GCP, and Azure. Use it to catch
--   interactive or scripted access
--   from inside a pod to metadata surfaces that should usually be blocked by network policy or not
--   needed by application
--   code.
-- triage: |
--   - Confirm the Kubernetes identity that performed exec: user name, groups, impersonation,
--     source IP, and user agent.
--   - Map the pod and namespace to a workload owner, image digest, and entrypoint; determine
--     whether the container should
--   ever call metadata endpoints.
--   - Inspect Esql.cloud_target and Esql.is_credential_theft in the alert document and expand the
--     timeline for the same
--   identity for secret reads, IAM changes, or data egress.
--   - Correlate with cloud audit logs on the node identity or instance profile for STS or token
--     issuance around the event
--   time.
-- false_positives: |
--   - Break-glass debugging from platform engineers may include curl to 169.254.169.254; validate
--     change tickets and
--   bastion use.
--   - Misconfigured agents or bootstrap scripts in bespoke images can touch metadata during
--     startup; baseline approved
--   images and tune exclusions narrowly.
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
       json_build_object(
         'executed_command', executed_command,
         -- The first branch that matches, in the rule's order (an Azure token URL on
         -- 169.254.169.254 is AWS_IMDS, as in Elastic).
         'cloud_target', CASE
           WHEN executed_command ~ '(?s)(169\.254\.169\.254|2852039166|0xa9fea9fe|/latest/meta-data|/latest/api/token|/latest/user-data|/latest/dynamic)' THEN 'AWS_IMDS'
           WHEN executed_command ~ '(?s)(computeMetadata/v1|metadata\.google\.internal)' THEN 'GCP_METADATA'
           WHEN executed_command ~ '(?s)metadata/identity/oauth2/token' THEN 'AZURE_IMDS'
           ELSE 'UNKNOWN' END,
         'is_credential_theft', CASE
           WHEN executed_command ~ '(?s)(security-credentials|/api/token|oauth2/token|service-accounts/.*/token)' THEN 'yes'
           ELSE 'recon' END
       ) AS details
FROM exec
WHERE executed_command ~ '(?s)(169\.254\.169\.254|2852039166|0xa9fea9fe|/latest/api/token|/latest/meta-data|/latest/user-data|/latest/dynamic/instance-identity|computeMetadata/v1|metadata\.google\.internal|metadata/identity/oauth2/token|metadata/instance)'
