-- id: api-server-proxying-request-to-kubelet
-- name: Kubernetes API Server Proxying Request to Kubelet
-- elastic_rule_id: 332ecb5b-08b6-47e9-885b-3cee1de74bac
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/privilege_escalation_api_proxy_to_node.toml, updated 2026/05/05)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0004 Privilege Escalation; T1611 Escape to Host | TA0008 Lateral Movement; T1550 Use Alternate Authentication Material | TA0007 Discovery; T1613 Container and Resource Discovery
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Privilege Escalation; Tactic: Lateral Movement; Tactic: Discovery; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: proxy
-- requires: nodes
-- references: https://kubernetes.io/docs/concepts/cluster-administration/proxies/
--   https://attack.mitre.org/techniques/T1552/007/
-- query: |
--   kubernetes.audit.objectRef.subresource:"proxy" and
--   kubernetes.audit.objectRef.resource:"nodes" and
--   not kubernetes.audit.requestURI:(*metrics* or *healthz* or *stats/summary* or *elastic-agent* or *configz*) and
--   not user.name:(
--     system\:kube-controller-manager or
--     system\:kube-scheduler or
--     system\:serviceaccount\:kube-system\:* or
--     system\:node\:* or
--     eks\:* or aksService
--   )
-- what: |
--   Detects non-system identities using the Kubernetes nodes/proxy API to proxy requests through
--   the API server directly to a node's Kubelet. The nodes/proxy subresource allows any principal
--   with this RBAC permission to reach the Kubelet API on any worker node without needing direct
--   network access or Kubelet TLS certificates. Through this proxy path, an attacker can list all
--   pod specifications including environment variable secrets, read Kubelet configuration and PKI
--   material, retrieve container logs, and access running pod metadata across all workloads on the
--   target node. Monitoring and health check endpoints such as /metrics, /healthz, and /stats are
--   excluded to reduce noise from legitimate observability tooling.
-- why: |
--   Review the user.name, source.ip, and user_agent.original fields to determine who initiated the
--   proxy request and from
--   where. Examine kubernetes.audit.requestURI to identify which Kubelet endpoint was proxied —
--   the path after /proxy/
--   maps directly to the Kubelet API path the attacker accessed.
-- triage: |
--   - Check the proxied Kubelet path in requestURI to determine attacker intent:
--   - /proxy/pods — pod spec enumeration including environment variable secrets
--   - /proxy/exec or /proxy/run — command execution inside containers on that node
--   - /proxy/configz — Kubelet configuration and authentication settings
--   - /proxy/runningpods — active workload enumeration
--   - /proxy/containerLogs — log harvesting for leaked credentials
--   - Identify how the principal obtained nodes/proxy permission by reviewing RBAC bindings
--   - Check if a ServiceAccount token was created shortly before via the TokenRequest API - this
--   indicates the attacker minted a token specifically for this access.
--   - Review whether the same principal accessed multiple nodes via proxy in a short window, which
--   indicates systematic lateral movement across the cluster.
-- false_positives: |
--   - Prometheus, Datadog, and other monitoring agents scrape /metrics and /stats via nodes/proxy.
--   These endpoints are excluded by default. If additional monitoring paths generate noise, add
--   them to the requestURI exclusion.
--   - Cluster administration tools that inspect node health via the proxy API can match. Correlate
--   with change management windows and verify the source identity.
SELECT *
FROM audit
WHERE subresource = 'proxy'
  AND resource = 'nodes'
  AND NOT coalesce(request_uri LIKE '%metrics%' OR request_uri LIKE '%healthz%'
                   OR request_uri LIKE '%stats/summary%' OR request_uri LIKE '%elastic-agent%'
                   OR request_uri LIKE '%configz%', false)
  AND NOT coalesce(user_name IN ('system:kube-controller-manager', 'system:kube-scheduler', 'aksService')
                   OR starts_with(user_name, 'system:serviceaccount:kube-system:')
                   OR starts_with(user_name, 'system:node:')
                   OR starts_with(user_name, 'eks:'), false)
