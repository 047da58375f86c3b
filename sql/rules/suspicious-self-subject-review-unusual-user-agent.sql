-- id: suspicious-self-subject-review-unusual-user-agent
-- name: Kubernetes Suspicious Self-Subject Review via Unusual User Agent
-- elastic_rule_id: 12a2f15d-597e-4334-88ff-38a02cb1330b
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/discovery_suspicious_self_subject_review.toml, updated 2026/04/10)
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
-- mitre: TA0007 Discovery; T1069 Permission Groups Discovery; T1613 Container and Resource Discovery
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Discovery; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: selfsubject
-- requires: allow | granted
-- requires: create
-- requires: system:serviceaccount: | system:node:
-- references: https://www.paloaltonetworks.com/apps/pan/public/downloadResource?pagePath=/content/pan/en_US/resources/whitepapers/kubernetes-privilege-escalation-excessive-permissions-in-popular-platforms
--   https://kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access
--   https://techcommunity.microsoft.com/t5/microsoft-defender-for-cloud/detecting-identity-attacks-in-kubernetes/ba-p/3232340
-- query: |
--   data_stream.dataset : "kubernetes.audit_logs" and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   kubernetes.audit.verb:"create" and
--   kubernetes.audit.objectRef.resource:("selfsubjectaccessreviews" or "selfsubjectrulesreviews") and (
--     kubernetes.audit.user.username:(system\:serviceaccount\:* or system\:node\:*) or
--     kubernetes.audit.impersonatedUser.username:(system\:serviceaccount\:* or system\:node\:*)
--   ) and user_agent.original:(* and not (*kubernetes/$Format))
-- what: |
--   This rule detects when a service account or node attempts to enumerate their own permissions
--   via the selfsubjectaccessreview or selfsubjectrulesreview APIs via an unusual user agent. This
--   is highly unusual behavior for non-human identities like service accounts and nodes. An
--   adversary may have gained access to credentials/tokens and this could be an attempt to
--   determine what privileges they have to facilitate further movement or execution within the
--   cluster.
-- why: |
--   Kubernetes uses APIs like selfsubjectaccessreview and selfsubjectrulesreview to allow entities
--   to check their own permissions. While useful for debugging, adversaries can exploit these APIs
--   to assess their access level after compromising service accounts or nodes. The detection rule
--   identifies unusual API calls by non-human identities, flagging potential unauthorized
--   privilege enumeration attempts.
-- triage: |
--   - Review the Kubernetes audit logs to identify the specific service account or node that
--     triggered the alert by examining the kubernetes.audit.user.username or
--     kubernetes.audit.impersonatedUser.username fields.
--   - Check the context of the API call by analyzing the kubernetes.audit.objectRef.resource field
--     to confirm whether it involved selfsubjectaccessreviews or selfsubjectrulesreviews.
--   - Investigate the source of the API request by looking at the IP address and user agent in the
--     audit logs to determine if the request originated from a known or expected source.
--   - Assess the recent activity of the implicated service account or node to identify any unusual
--     patterns or deviations from normal behavior.
--   - Verify if there have been any recent changes to the permissions or roles associated with the
--     service account or node to understand if the access level has been altered.
--   - Cross-reference the alert with any other security events or alerts in the environment to
--     determine if this is part of a broader attack or compromise.
-- false_positives: |
--   - Service accounts used for automated tasks may trigger this rule if they are programmed to
--     check permissions as part of their routine operations. To handle this, identify these
--     accounts and create exceptions for their specific API calls.
--   - Nodes performing legitimate self-assessment for compliance or security checks might be
--     flagged. Review the node's purpose and, if necessary, whitelist these actions in the
--     detection rule.
--   - Development or testing environments where permissions are frequently checked by service
--     accounts can generate false positives. Consider excluding these environments from the rule
--     or adjusting the rule's sensitivity for these specific contexts.
--   - Regularly scheduled jobs or scripts that include permission checks as part of their
--     execution may cause alerts. Document these jobs and adjust the rule to ignore these
--     specific, non-threatening behaviors.
-- new_terms: |
--   The term is the user agent: an event alerts when no allowed self-subject review by a service
--   account or node (as the user, or as the impersonated user) with the same user agent happened in
--   the 7 days before it (an earlier one at exactly 7 days still counts as seen). Which account
--   asks does not matter: the same agent used by another account is the same term. A missing or
--   empty user agent is no term and never alerts; client-go's default agent (`*kubernetes/$Format`,
--   exact and case-sensitive as in KQL) never counts, neither as an alert nor as history. The first
--   week of an archive has no history, so every agent in it is new, as on a fresh Elastic index.
SELECT *
FROM audit
WHERE authz_decision = 'allow'
  AND verb = 'create'
  AND resource IN ('selfsubjectaccessreviews', 'selfsubjectrulesreviews')
  AND (starts_with(user_name, 'system:serviceaccount:') OR starts_with(user_name, 'system:node:')
       OR starts_with(impersonated_user_name, 'system:serviceaccount:')
       OR starts_with(impersonated_user_name, 'system:node:'))
  -- user_agent.original:(* and not (*kubernetes/$Format))
  AND nullif(user_agent, '') IS NOT NULL
  AND user_agent NOT LIKE '%kubernetes/$Format'
