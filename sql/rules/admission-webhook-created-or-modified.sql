-- id: admission-webhook-created-or-modified
-- name: Kubernetes Admission Webhook Created or Modified
-- elastic_rule_id: 4f8f7c08-ffb5-443f-86c6-0884c964df7b
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/persistence_kubernetes_admission_webhook_created_or_modified.toml, updated 2026/05/26)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0003 Persistence; T1546 Event Triggered Execution | TA0005 Defense Evasion; T1562 Impair Defenses
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Persistence; Tactic: Defense Evasion; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: webhookconfigurations
-- requires: allow | granted
-- query: |
--   kubernetes.audit.objectRef.resource:("mutatingwebhookconfigurations" or "validatingwebhookconfigurations") and
--   kubernetes.audit.verb:("create" or "update" or "patch" or "delete") and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   user.name:(* and not
--     (system\:kube-controller-manager or
--     system\:kube-scheduler or
--     system\:serviceaccount\:kube-system\:* or
--     eks\:* or aksService or masterclient or nodeclient or
--     system\:serviceaccount\:gke-managed-system\:* or
--     system\:serviceaccount\:cert-manager\:* or
--     system\:serviceaccount\:gatekeeper-system\:* or
--     system\:serviceaccount\:kyverno\:* or
--     system\:serviceaccount\:*\:*-operator)
--   ) and
--   kubernetes.audit.objectRef.name:(* and not (pod-identity-webhook or vpc-resource-mutating-webhook or eks-* or gke-*)) and
--   not (kubernetes.audit.user.groups:"system:serviceaccounts:flux-system" and kubernetes.audit.objectRef.name:"k8tz")
-- what: |
--   Detects creation, modification, or deletion of Kubernetes MutatingWebhookConfigurations or
--   ValidatingWebhookConfigurations by non-system identities. Admission webhooks intercept every
--   API request matching their rules before persistence, giving an attacker powerful capabilities:
--   injecting malicious sidecars into every new pod via a mutating webhook, blocking security
--   tooling deployments via a validating webhook, or silently exfiltrating pod specifications to
--   an external server. Webhook manipulation is a stealthy persistence and defense evasion
--   technique because the webhook configuration itself looks benign in kubectl output while
--   actively modifying or intercepting all matching Kubernetes API traffic.
-- why: |
--   Admission webhooks can mutate or validate resources before they are persisted. A malicious
--   webhook can inject sidecars,
--   alter securityContext, block defensive workloads, or exfiltrate pod specs. This rule alerts on
--   allowed changes to
--   MutatingWebhookConfiguration and ValidatingWebhookConfiguration objects by identities outside
--   common system patterns.
-- triage: |
--   - Confirm the webhook resource and operation:
--   - kubernetes.audit.objectRef.resource and kubernetes.audit.verb
--   - kubernetes.audit.objectRef.name (the webhook configuration name)
--   - Attribute the actor and access path:
--   - user.name (human vs service account vs node identity)
--   - source.ip and user_agent.original
--   - In cloud-managed clusters, map the identity to IAM/Entra principal data present in
--     kubernetes.audit.user.extra.*.
--   - Extract the webhook destination and review for external exfiltration:
--   - kubernetes.audit.requestObject.webhooks.clientConfig.url (suspicious when pointing to the
--     public internet)
--   - kubernetes.audit.requestObject.webhooks.clientConfig.service.* (in-cluster service; still
--     validate namespace/name)
--   - Review impact-driving webhook settings:
--   - failurePolicy (e.g., Ignore can make malicious webhooks stealthier by avoiding obvious
--     outages)
--   - namespaceSelector / objectSelector targeting (e.g., excluding kube-system while targeting
--     everything else)
--   - rules.operations and rules.resources (e.g., CREATE pods is consistent with broad sidecar
--     injection)
--   - sideEffects, timeoutSeconds, matchPolicy, reinvocationPolicy
--   - Scope blast radius and follow-on activity:
--   - Hunt for pods created/updated after the webhook change that include unexpected containers,
--     initContainers, env vars,
--   volume mounts, or securityContext changes.
--   - Check for concurrent RBAC changes, token creation, or secret access from the same identity
--     and source IP.
-- false_positives: |
--   - GitOps upgrades or controller installs can legitimately change admission webhooks. Validate
--     the change against:
--   - approved Helm/Git commits, change tickets, and expected controller namespaces
--   - known controller identities (cert-manager, Gatekeeper, Kyverno, service mesh controllers)
SELECT *
FROM audit
WHERE resource IN ('mutatingwebhookconfigurations', 'validatingwebhookconfigurations')
  AND verb IN ('create', 'update', 'patch', 'delete')
  AND authz_decision = 'allow'
  AND nullif(user_name, '') IS NOT NULL
  AND NOT (user_name IN ('system:kube-controller-manager', 'system:kube-scheduler', 'aksService',
                         'masterclient', 'nodeclient')
           OR starts_with(user_name, 'system:serviceaccount:kube-system:')
           OR starts_with(user_name, 'eks:')
           OR starts_with(user_name, 'system:serviceaccount:gke-managed-system:')
           OR starts_with(user_name, 'system:serviceaccount:cert-manager:')
           OR starts_with(user_name, 'system:serviceaccount:gatekeeper-system:')
           OR starts_with(user_name, 'system:serviceaccount:kyverno:')
           -- system\:serviceaccount\:*\:*-operator ; LIKE's _ is a wildcard, \_ none here
           OR user_name LIKE 'system:serviceaccount:%:%-operator')
  AND nullif(object_name, '') IS NOT NULL
  AND NOT (object_name IN ('pod-identity-webhook', 'vpc-resource-mutating-webhook')
           OR starts_with(object_name, 'eks-') OR starts_with(object_name, 'gke-'))
  AND NOT coalesce(array_has(user_groups, 'system:serviceaccounts:flux-system') AND object_name = 'k8tz', false)
