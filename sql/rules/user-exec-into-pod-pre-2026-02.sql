-- id: user-exec-into-pod-pre-2026-02
-- name: Kubernetes User Exec into Pod
-- elastic_rule_id: 14de811c-d60f-11ec-9fd7-f661ea17fbce
-- elastic_source: elastic/detection-rules@7c038407 (pre-2026-02) (elastic-detection-rules-pre-2026-02/rules/integrations/kubernetes/execution_user_exec_to_pod.toml, updated 2026/01/21)
-- type: eql
-- language: eql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0002 Execution; T1609 Container Administration Command
-- tags: Data Source: Kubernetes; Tactic: Execution; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: exec
-- requires: allow | granted
-- requires: Request
-- references: https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/
--   https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/
-- query: |
--   any where event.dataset == "kubernetes.audit_logs" and
--   kubernetes.audit.verb in ("get", "create") and kubernetes.audit.objectRef.subresource == "exec" and
--   kubernetes.audit.stage in ("ResponseComplete", "ResponseStarted") and `kubernetes.audit.annotations.authorization_k8s_io/decision` == "allow"
--   and kubernetes.audit.level == "Request"
-- what: |
--   This rule detects a user attempt to establish a shell session into a pod using the 'exec'
--   command. Using the 'exec' command in a pod allows a user to establish a temporary shell
--   session and execute any process/commands in the pod. An adversary may call bash to gain a
--   persistent interactive shell which will allow access to any data the pod has permissions to,
--   including secrets.
-- why: |
--   Kubernetes allows users to execute commands within a pod using the 'exec' command,
--   facilitating temporary shell sessions for legitimate management tasks. However, adversaries
--   can exploit this to gain unauthorized access, potentially exposing sensitive data. The
--   detection rule identifies such misuse by monitoring audit logs for specific patterns, such as
--   allowed 'exec' actions on pods, indicating possible malicious activity.
-- triage: |
--   - Review the Kubernetes audit logs to identify the user who executed the 'exec' command by
--     examining the event.dataset field for "kubernetes.audit_logs".
--   - Check the kubernetes.audit.annotations.authorization_k8s_io/decision field to confirm that
--     the action was allowed and determine if the user had legitimate access.
--   - Investigate the kubernetes.audit.objectRef.resource and
--     kubernetes.audit.objectRef.subresource fields to verify that the action involved a pod and
--     the 'exec' subresource.
--   - Analyze the context of the pod involved, including its purpose and the data it has access
--     to, to assess the potential impact of the unauthorized access.
--   - Correlate the event with other logs or alerts to identify any suspicious patterns or
--     repeated unauthorized access attempts by the same user or IP address.
--   - Review the user's activity history to determine if there are other instances of unusual or
--     unauthorized access attempts within the Kubernetes environment.
-- false_positives: |
--   - Routine administrative tasks by DevOps teams can trigger the rule when they use 'exec' for
--     legitimate management purposes. To handle this, create exceptions for specific user accounts
--     or roles that are known to perform these tasks regularly.
--   - Automated scripts or tools that use 'exec' for monitoring or maintenance can also cause
--     false positives. Identify these scripts and whitelist their associated service accounts or
--     IP addresses.
--   - Scheduled jobs or cron tasks that require 'exec' to perform updates or checks within pods
--     may be flagged. Exclude these by setting up time-based exceptions for known maintenance
--     windows.
--   - Development environments where frequent testing and debugging occur using 'exec' can lead to
--     alerts. Implement environment-specific exclusions to reduce noise from non-production
--     clusters.
SELECT *
FROM audit
WHERE verb IN ('get', 'create')
  AND subresource = 'exec'
  AND stage IN ('ResponseComplete', 'ResponseStarted')
  AND authz_decision = 'allow'
  AND level = 'Request'
