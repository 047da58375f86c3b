-- id: pod-exec-sensitive-file-or-credential-path-access
-- name: Kubernetes Pod Exec Sensitive File or Credential Path Access
-- elastic_rule_id: b2c3d4e5-f6a7-4890-b1c2-d3e4f5a60789
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/credential_access_kubernetes_pod_exec_sensitive_file_access.toml, updated 2026/04/23)
-- type: esql
-- language: esql
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0006 Credential Access; T1552 Unsecured Credentials | TA0002 Execution; T1609 Container Administration Command
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Credential Access; Tactic: Execution; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: exec
-- requires: command=
-- references: https://attack.mitre.org/techniques/T1552/001/
--   https://attack.mitre.org/techniques/T1552/007/
-- query: |
--   from logs-kubernetes.audit_logs-* metadata _id, _index, _version
--   | WHERE kubernetes.audit.objectRef.subresource == "exec"
--     AND kubernetes.audit.requestURI LIKE "*command=*"
--   | EVAL decoded_uri = URL_DECODE(kubernetes.audit.requestURI)
--   | GROK decoded_uri "%{DATA}/exec\\?%{DATA:raw_commands}&(?:container|stdin|stdout|stderr)=%{GREEDYDATA}"
--   | EVAL command = REPLACE(raw_commands, "command=", "")
--   | EVAL command = REPLACE(command, "&", " ")
--   | EVAL Esql.executed_command = REPLACE(command, "\\+", " ")
--   | WHERE Esql.executed_command IS NOT NULL
--     AND Esql.executed_command RLIKE """.*(/var/run/secrets/|/etc/kubernetes/|/var/lib/kubelet/|/etc/shadow|/etc/passwd|/etc/sudoers|(/root|/home/[^/]+)/\.(ssh|aws|azure|kube|config/gcloud)|\.p12|\.pem|\.key|\.jks|\.keystore|/etc/.*\.conf.*(password|secret|key|token|credential)|/proc/.*/environ).*"""
--     AND NOT Esql.executed_command RLIKE """.*/etc/resolv\.conf.*"""
--   | EVAL Esql.access_type = CASE(
--       Esql.executed_command RLIKE """.*/var/run/secrets/eks\.amazonaws\.com.*""", "AWS_IRSA_TOKEN",
--       Esql.executed_command RLIKE """.*/var/run/secrets/azure/tokens/.*""", "AZURE_WORKLOAD_IDENTITY_TOKEN",
--       Esql.executed_command RLIKE """.*/var/run/secrets/tokens/gcp-ksa/.*""", "GCP_WORKLOAD_IDENTITY_TOKEN",
--       Esql.executed_command RLIKE """.*/var/run/secrets/kubernetes\.io/serviceaccount/token.*""", "K8S_SA_TOKEN",
--       Esql.executed_command RLIKE """.*/var/run/secrets/.*""", "MOUNTED_SECRET",
--       Esql.executed_command RLIKE """.*\.(p12|pem|key|jks|keystore).*""", "CERTIFICATE_OR_KEY",
--       Esql.executed_command RLIKE """.*/etc/kubernetes/.*""", "K8S_CONFIG",
--       Esql.executed_command RLIKE """.*/var/lib/kubelet/.*""", "KUBELET_CONFIG",
--       Esql.executed_command RLIKE """.*/etc/shadow.*""", "HOST_CREDENTIALS",
--       Esql.executed_command RLIKE """.*/etc/passwd.*""", "USER_ENUMERATION",
--       Esql.executed_command RLIKE """.*/etc/sudoers.*""", "SUDOERS_ACCESS",
--       Esql.executed_command RLIKE """.*(/root|/home)/\.(ssh|aws|azure|kube|config/gcloud).*""", "USER_CREDENTIALS",
--       Esql.executed_command RLIKE """.*/proc/.*/environ.*""", "PROCESS_ENV_SECRETS",
--       Esql.executed_command RLIKE """.*/etc/.*\.conf.*(password|secret|key|token|credential).*""", "EMBEDDED_CONFIG_SECRET",
--       "OTHER_SENSITIVE"
--     )
--   | KEEP *
-- what: |
--   Detects Kubernetes pod exec sessions whose decoded command line references high-value host or
--   in-cluster paths and material types: mounted service account or platform tokens, kubelet and
--   control-plane configuration areas, host identity stores, root dot-directories for cloud and
--   kubeconfig material, common private-key and keystore extensions, process environment dumps,
--   and configuration filenames suggestive of embedded secrets. The intent is to catch interactive
--   or scripted access that often precedes lateral movement, privilege escalation, or credential
--   theft from the node or workload boundary. A narrow exclusion ignores benign reads of
--   resolv.conf. The query also labels an access_type bucket to speed triage without altering the
--   detection predicates you validated.
-- why: |
--   This alert ties Kubernetes audit exec events to reconstructed command text that matches
--   sensitive path and filename
--   patterns. Use the Esql.access_type field to prioritize: IRSA token paths, default Kubernetes
--   service account tokens,
--   other mounted secrets, certificates and keystores, Kubernetes static config, kubelet state,
--   host passwd or shadow,
--   user home credential stores, and proc environ scraping.
-- triage: |
--   - Identify the Kubernetes user, groups, impersonation, source IP, and user agent for the exec
--     caller.
--   - Map objectRef namespace, pod, and container to an owning team, image digest, and change
--     history.
--   - Compare Esql.executed_command against known runbooks; capture follow-on audit activity such
--     as additional execs,
--   secret reads at the API layer, or RBAC changes.
--   - If host-level paths appear, determine whether the workload runs privileged, with hostPath
--     mounts, or on nodes where
--   break-glass access is expected.
-- false_positives: |
--   - Diagnostic images and vendor agents sometimes cat resolv.conf or kubeconfig-like paths; the
--     rule excludes resolv.conf
--   but other matches may still be legitimate—baseline stable automation identities.
--   - Training containers that deliberately demonstrate passwd reads can trigger; scope exceptions
--     to those images and
--   namespaces.
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
         -- The first branch that matches, in the rule's order. USER_CREDENTIALS wants /root/. or
         -- /home/. (no user directory), so /home/<user>/.ssh falls through to OTHER_SENSITIVE.
         'access_type', CASE
           WHEN executed_command ~ '(?s)/var/run/secrets/eks\.amazonaws\.com' THEN 'AWS_IRSA_TOKEN'
           WHEN executed_command ~ '(?s)/var/run/secrets/azure/tokens/' THEN 'AZURE_WORKLOAD_IDENTITY_TOKEN'
           WHEN executed_command ~ '(?s)/var/run/secrets/tokens/gcp-ksa/' THEN 'GCP_WORKLOAD_IDENTITY_TOKEN'
           WHEN executed_command ~ '(?s)/var/run/secrets/kubernetes\.io/serviceaccount/token' THEN 'K8S_SA_TOKEN'
           WHEN executed_command ~ '(?s)/var/run/secrets/' THEN 'MOUNTED_SECRET'
           WHEN executed_command ~ '(?s)\.(p12|pem|key|jks|keystore)' THEN 'CERTIFICATE_OR_KEY'
           WHEN executed_command ~ '(?s)/etc/kubernetes/' THEN 'K8S_CONFIG'
           WHEN executed_command ~ '(?s)/var/lib/kubelet/' THEN 'KUBELET_CONFIG'
           WHEN executed_command ~ '(?s)/etc/shadow' THEN 'HOST_CREDENTIALS'
           WHEN executed_command ~ '(?s)/etc/passwd' THEN 'USER_ENUMERATION'
           WHEN executed_command ~ '(?s)/etc/sudoers' THEN 'SUDOERS_ACCESS'
           WHEN executed_command ~ '(?s)(/root|/home)/\.(ssh|aws|azure|kube|config/gcloud)' THEN 'USER_CREDENTIALS'
           WHEN executed_command ~ '(?s)/proc/.*/environ' THEN 'PROCESS_ENV_SECRETS'
           WHEN executed_command ~ '(?s)/etc/.*\.conf.*(password|secret|key|token|credential)' THEN 'EMBEDDED_CONFIG_SECRET'
           ELSE 'OTHER_SENSITIVE' END
       ) AS details
FROM exec
WHERE executed_command ~ '(?s)(/var/run/secrets/|/etc/kubernetes/|/var/lib/kubelet/|/etc/shadow|/etc/passwd|/etc/sudoers|(/root|/home/[^/]+)/\.(ssh|aws|azure|kube|config/gcloud)|\.p12|\.pem|\.key|\.jks|\.keystore|/etc/.*\.conf.*(password|secret|key|token|credential)|/proc/.*/environ)'
  AND NOT executed_command ~ '(?s)/etc/resolv\.conf'
