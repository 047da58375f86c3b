-- id: forbidden-request-from-unusual-user-agent
-- name: Forbidden Request from Unusual User Agent in Kubernetes
-- elastic_rule_id: 4b77d382-b78e-4aae-85a0-8841b80e4fc4
-- elastic_source: elastic/detection-rules@7c038407 (pre-2026-02) (elastic-detection-rules-pre-2026-02/rules/integrations/kubernetes/execution_forbidden_request_from_unsual_user_agent.toml, updated 2026/01/19)
-- type: eql
-- language: eql
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0002 Execution
-- tags: Data Source: Kubernetes; Tactic: Execution; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: forbid | granted
-- requires: ResponseComplete
-- query: |
--   any where event.dataset == "kubernetes.audit_logs" and
--   kubernetes.audit.stage == "ResponseComplete" and `kubernetes.audit.annotations.authorization_k8s_io/decision` == "forbid" and
--   not user_agent.original like~ (
--     "/", "karpenter", "csi-secrets-store/*", "elastic-agent/*", "agentbeat/*", "insights-operator*", "oc/*", "cloud-defend/*",
--     "OpenAPI-Generator/*", "local-storage-operator/*", "falcon-client/*", "nginx-ingress-controller/*", "config-translator/*",
--     "kwatch/*", "PrometheusOperator/*", "kube*"
--   )
-- what: |
--   This rule detects when a forbidden request is made from an unusual user agent in a Kubernetes
--   environment. Adversary tooling may use non-standard or unexpected user agents to interact with
--   the Kubernetes API, which can indicate an attempt to evade detection or blend in with
--   legitimate traffic. In combination with a forbidden request, this behavior can suggest an
--   adversary is attempting to exploit vulnerabilities or misconfigurations in the Kubernetes
--   cluster.
-- why: |
--   Kubernetes, a container orchestration platform, manages applications across clusters. It uses
--   APIs for communication, which can be targeted by adversaries using atypical user agents to
--   mask malicious activities. These agents may attempt unauthorized actions, exploiting
--   vulnerabilities. The detection rule identifies such anomalies by flagging forbidden requests
--   from non-standard user agents, indicating potential threats.
-- triage: |
--   - Review the Kubernetes audit logs to identify the source IP address and user associated with
--     the forbidden request. This can help determine if the request originated from a known or
--     unknown entity.
--   - Analyze the user agent string in the audit logs to understand its origin and purpose. Cross-
--     reference it with known legitimate user agents to assess its legitimacy.
--   - Check for any recent changes or deployments in the Kubernetes environment that might have
--     introduced new user agents or configurations, potentially leading to the forbidden request.
--   - Investigate the specific resource or API endpoint that was targeted by the forbidden request
--     to understand what the adversary might have been attempting to access or exploit.
--   - Correlate the event with other security logs and alerts to identify any patterns or
--     additional suspicious activities that might indicate a broader attack or reconnaissance
--     effort.
--   - Assess the current security posture and configurations of the Kubernetes cluster to identify
--     any vulnerabilities or misconfigurations that could be exploited by adversaries using
--     unusual user agents.
-- false_positives: |
--   - Legitimate internal tools or scripts may use non-standard user agents that are not included
--     in the exclusion list. Review and identify these tools, then update the exclusion list to
--     prevent them from being flagged.
--   - Automated processes or third-party integrations might use unique user agents that trigger
--     the rule. Verify these processes and consider adding their user agents to the exclusion list
--     if they are deemed safe.
--   - Development or testing environments often use custom user agents for API interactions.
--     Ensure these environments are accounted for by excluding their user agents to avoid
--     unnecessary alerts.
--   - Regularly review and update the exclusion list to reflect changes in legitimate user agents
--     used within your organization, ensuring that only truly unusual and potentially malicious
--     agents are flagged.
SELECT *
FROM audit
WHERE stage = 'ResponseComplete'
  AND authz_decision = 'forbid'
  -- EQL `like~` is case-insensitive (ILIKE); `not` on a missing user agent is true.
  AND NOT coalesce(user_agent ILIKE '/' OR user_agent ILIKE 'karpenter'
                   OR user_agent ILIKE 'csi-secrets-store/%' OR user_agent ILIKE 'elastic-agent/%'
                   OR user_agent ILIKE 'agentbeat/%' OR user_agent ILIKE 'insights-operator%'
                   OR user_agent ILIKE 'oc/%' OR user_agent ILIKE 'cloud-defend/%'
                   OR user_agent ILIKE 'OpenAPI-Generator/%' OR user_agent ILIKE 'local-storage-operator/%'
                   OR user_agent ILIKE 'falcon-client/%' OR user_agent ILIKE 'nginx-ingress-controller/%'
                   OR user_agent ILIKE 'config-translator/%' OR user_agent ILIKE 'kwatch/%'
                   OR user_agent ILIKE 'PrometheusOperator/%' OR user_agent ILIKE 'kube%', false)
