-- id: denied-service-account-request-unusual-user-agent
-- name: Kubernetes Denied Service Account Request via Unusual User Agent
-- elastic_rule_id: 63c056a0-339a-11ed-a261-0242ac120002
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/discovery_denied_service_account_request.toml, updated 2026/04/10)
-- type: new_terms
-- language: kuery
-- severity: low
-- risk_score: 21
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- model: new_terms
-- new_terms_fields: user_agent
-- history_window_start: now-7d
-- mitre: TA0007 Discovery; T1613 Container and Resource Discovery
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Discovery; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: system:serviceaccount:
-- requires: forbid | granted
-- references: https://research.nccgroup.com/2021/11/10/detection-engineering-for-kubernetes-clusters/#part3-kubernetes-detections
--   https://kubernetes.io/docs/reference/access-authn-authz/authentication/#service-account-tokens
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   kubernetes.audit.user.username:system\:serviceaccount\:* and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"forbid" and
--   user_agent.original:(* and not (*kubernetes/$Format or karpenter or csi-secrets-store* or OpenAPI-Generator* or Prometheus* or dashboard* or cilium-agent*))
-- what: |
--   This rule detects when a service account makes an unauthorized request for resources from the
--   API server via an unusual user agent. Service accounts follow a very predictable pattern of
--   behavior. A service account should never send an unauthorized request to the API server. This
--   behavior is likely an indicator of compromise or of a problem within the cluster. An adversary
--   may have gained access to credentials/tokens and this could be an attempt to access or create
--   resources to facilitate further movement or execution within the cluster.
-- why: |
--   Kubernetes service accounts are integral for managing pod permissions and accessing the API
--   server. They typically follow strict access patterns. Adversaries may exploit compromised
--   service account credentials to probe or manipulate cluster resources, potentially leading to
--   unauthorized access or lateral movement. The detection rule identifies anomalies by flagging
--   unauthorized API requests from service accounts, signaling possible security breaches or
--   misconfigurations.
-- triage: |
--   - Review the specific service account involved in the unauthorized request by examining the
--     kubernetes.audit.user.username field to determine which service account was used.
--   - Analyze the kubernetes.audit.annotations.authorization_k8s_io/decision field to confirm the
--     request was indeed forbidden and identify the nature of the denied request.
--   - Investigate the source of the request by checking the originating pod or node to understand
--     where the unauthorized request was initiated.
--   - Examine recent activity logs for the service account to identify any unusual patterns or
--     deviations from its typical behavior.
--   - Check for any recent changes or deployments in the cluster that might have affected service
--     account permissions or configurations.
--   - Assess whether there have been any recent security incidents or alerts related to the
--     cluster that could be connected to this unauthorized request.
-- false_positives: |
--   - Service accounts used for testing or development may generate unauthorized requests if they
--     are not properly configured. Regularly review and update permissions for these accounts to
--     ensure they align with their intended use.
--   - Automated scripts or tools that interact with the Kubernetes API might trigger false
--     positives if they use service accounts with insufficient permissions. Ensure these tools
--     have the necessary permissions or adjust the detection rule to exclude known benign
--     activities.
--   - Misconfigured role-based access control (RBAC) settings can lead to legitimate service
--     accounts being denied access. Conduct periodic audits of RBAC policies to verify that
--     service accounts have appropriate permissions.
--   - Temporary service accounts created for specific tasks might not have the correct
--     permissions, leading to denied requests. Consider excluding these accounts from the rule if
--     they are known to perform non-threatening activities.
--   - Service accounts from third-party integrations or plugins may not have the required
--     permissions, resulting in false positives. Validate the permissions needed for these
--     integrations and adjust the rule to exclude their expected behavior.
-- new_terms: |
--   The term is the user agent: an event alerts when no refused service-account request with the
--   same user agent happened in the 7 days before it (an earlier one at exactly 7 days still
--   counts as seen). A missing or empty user agent is no term and never alerts; the excluded
--   agents never count, neither as alerts nor as history. The first week of an archive has no
--   history, so every agent in it is new, as on a fresh Elastic index.
SELECT *
FROM audit
WHERE starts_with(user_name, 'system:serviceaccount:')
  AND authz_decision = 'forbid'
  AND nullif(user_agent, '') IS NOT NULL
  AND NOT (user_agent LIKE '%kubernetes/$Format'
    OR user_agent = 'karpenter'
    OR starts_with(user_agent, 'csi-secrets-store')
    OR starts_with(user_agent, 'OpenAPI-Generator')
    OR starts_with(user_agent, 'Prometheus')
    OR starts_with(user_agent, 'dashboard')
    OR starts_with(user_agent, 'cilium-agent'))
