-- id: secrets-list-across-cluster-or-sensitive-namespaces
-- name: Kubernetes Secrets List Across Cluster or Sensitive Namespaces
-- elastic_rule_id: 7e3f9a2b-1c4d-5e6f-8a0b-9c8d7e6f5a4b
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/credential_access_kubernetes_secrets_list_cluster_and_sensitive_namespaces.toml, updated 2026/05/11)
-- type: query
-- language: kuery
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0006 Credential Access; T1552 Unsecured Credentials | TA0007 Discovery; T1613 Container and Resource Discovery
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Credential Access; Tactic: Discovery; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: secrets
-- requires: list
-- references: https://attack.mitre.org/techniques/T1552/007/
-- query: |
--   event.dataset:"kubernetes.audit_logs" and event.action:list and
--   kubernetes.audit.objectRef.resource:secrets and
--   kubernetes.audit.requestURI :(/api/v1/secrets or /api/v1/secrets?limit* or /api/v1/namespaces/kube-system/secrets or /api/v1/namespaces/kube-system/secrets?limit* or /api/v1/namespaces/default/secrets or /api/v1/namespaces/default/secrets?limit*) and
--   source.ip:(* and not ("::1" or "127.0.0.1")) and
--   not user.name: (system\:kube-controller-manager or eks\:cloud-controller-manager or eks\:kms-storage-migrator) and
--   not kubernetes.audit.user.groups:"system:serviceaccounts:ibm-csi"
-- what: |
--   Detects list operations on Kubernetes Secrets from a non-loopback client when the request URI
--   targets cluster-wide secrets or list operations under kube-system or default. Useful for
--   spotting broad secret enumeration from remote clients.
-- why: |
--   Audit events for `list` on the `secrets` resource against `/api/v1/secrets`, paginated cluster
--   lists, or namespace-scoped
--   lists under `kube-system` or `default`, from a source IP that is not localhost.
-- triage: |
--   - Review the matching events' user, source IPs, user agent and object.
-- false_positives: |
--   - Legitimate controllers or operators listing secrets in `kube-system` / `default` from
--     cluster nodes may match; tune by
--   source IP, user agent, or service account as needed.
SELECT *
FROM audit
WHERE verb = 'list'
  AND resource = 'secrets'
  AND (request_uri IN ('/api/v1/secrets', '/api/v1/namespaces/kube-system/secrets',
                       '/api/v1/namespaces/default/secrets')
       OR starts_with(request_uri, '/api/v1/secrets?limit')
       OR starts_with(request_uri, '/api/v1/namespaces/kube-system/secrets?limit')
       OR starts_with(request_uri, '/api/v1/namespaces/default/secrets?limit'))
  AND cardinality(source_ips) > 0
  AND NOT array_has_any(source_ips, make_array('::1', '127.0.0.1'))
  AND NOT coalesce(user_name IN ('system:kube-controller-manager', 'eks:cloud-controller-manager',
                                 'eks:kms-storage-migrator'), false)
  AND NOT coalesce(array_has(user_groups, 'system:serviceaccounts:ibm-csi'), false)
