-- id: coredns-or-kube-dns-configuration-modified
-- name: Kubernetes CoreDNS or Kube-DNS Configuration Modified
-- elastic_rule_id: a643e6b8-ba2a-45f1-8d71-d265bfe2ae43
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/impact_kubernetes_coredns_or_kube_dns_configuration_modified.toml, updated 2026/05/07)
-- type: query
-- language: kuery
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0040 Impact; T1565 Data Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Impact; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: configmaps
-- requires: kube-system
-- requires: allow | granted
-- requires: coredns | kube-dns
-- references: https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/
--   https://coredns.io/plugins/rewrite/
--   https://attack.mitre.org/techniques/T1565/001/
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   kubernetes.audit.objectRef.resource:"configmaps" and
--   kubernetes.audit.objectRef.name:("coredns" or "kube-dns" or "coredns-custom") and
--   kubernetes.audit.objectRef.namespace:"kube-system" and
--   kubernetes.audit.verb:("update" or "patch" or "delete") and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   not user.name:(
--     system\:serviceaccount\:kube-system\:coredns or
--     system\:serviceaccount\:kube-system\:kube-dns or
--     system\:node\:* or
--     eks\:* or aksService or acsService
--   )
-- what: |
--   Detects modifications to the CoreDNS or kube-dns ConfigMap in the kube-system namespace. These
--   ConfigMaps control cluster DNS resolution for all pods. An attacker who modifies the CoreDNS
--   Corefile can redirect internal service DNS names to attacker-controlled IP addresses, enabling
--   man-in-the-middle attacks against the Kubernetes API server, database services, and other
--   internal endpoints. Pods that resolve service names via cluster DNS will transparently connect
--   to the attacker instead of the legitimate service, allowing interception of service account
--   tokens, database credentials, and API traffic. DNS poisoning at the cluster level is
--   particularly dangerous because it affects every pod in every namespace simultaneously and does
--   not require any modification to the victim workloads. CoreDNS configuration changes are rare
--   in normal operations and any unexpected modification should be investigated immediately.
-- why: |
--   Identify who performed the change (user.name, groups), from where (source.ip), and which
--   ConfigMap was modified.
--   If request/response capture is available, review the changed Corefile content for upstream
--   redirection, wildcard
--   rewrites, or unexpected forward/proxy targets.
-- triage: |
--   - Confirm the actor is authorized to modify kube-system DNS configuration and whether the
--     change aligns with a change window.
--   - Review the ConfigMap diff for added rewrite rules, hosts entries, or forwarding to external
--     or unexpected internal IPs.
--   - Correlate with follow-on suspicious activity such as secret reads, token minting, or RBAC
--     modifications.
--   - Check for cluster-wide symptoms: service connection failures, TLS errors, or sudden endpoint
--     changes across namespaces.
-- false_positives: |
--       Cluster administrators may legitimately update CoreDNS configuration for forwarding, stub domains, or cluster DNS
--       troubleshooting. Baseline approved operators and automation identities; tune exclusions for known change pipelines.
SELECT *
FROM audit
WHERE resource = 'configmaps'
  AND object_name IN ('coredns', 'kube-dns', 'coredns-custom')
  AND namespace = 'kube-system'
  AND verb IN ('update', 'patch', 'delete')
  AND authz_decision = 'allow'
  AND NOT coalesce(user_name IN ('system:serviceaccount:kube-system:coredns',
                                 'system:serviceaccount:kube-system:kube-dns', 'aksService', 'acsService')
                   OR starts_with(user_name, 'system:node:') OR starts_with(user_name, 'eks:'), false)
