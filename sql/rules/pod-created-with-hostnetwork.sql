-- id: pod-created-with-hostnetwork
-- name: Kubernetes Pod Created With HostNetwork
-- elastic_rule_id: 12cbf709-69e8-4055-94f9-24314385c27e
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/privilege_escalation_pod_created_with_hostnetwork.toml, updated 2026/04/10)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0004 Privilege Escalation; T1611 Escape to Host | TA0002 Execution; T1610 Deploy Container
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Execution; Tactic: Privilege Escalation; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: hostNetwork
-- requires: pods
-- requires: create | update | patch
-- requires: allow | granted
-- references: https://research.nccgroup.com/2021/11/10/detection-engineering-for-kubernetes-clusters/#part3-kubernetes-detections
--   https://kubernetes.io/docs/concepts/security/pod-security-policy/#host-namespaces
--   https://bishopfox.com/blog/kubernetes-pod-privilege-escalation
-- query: |
--   data_stream.dataset:kubernetes.audit_logs and kubernetes.audit.annotations.authorization_k8s_io/decision:allow and
--   kubernetes.audit.objectRef.resource:pods and kubernetes.audit.verb:(create or patch or update) and
--   kubernetes.audit.requestObject.spec.hostNetwork:true and
--   not (
--     kubernetes.audit.requestObject.spec.containers.image:(
--       *eks/observability/aws-for-fluent-bit* or *eks/observability/cloudwatch-agent* or *elastic-agent* or *quay/tigera* or *tigera/operator* or
--       docker.io/bitnami/node-exporter* or docker.io/rancher/mirrored-calico-operator* or quay.io/calico/node* or quay.io/cephcsi/cephcsi* or
--       quay.io/frrouting/frr* or quay.io/metallb/speaker* or quay.io/prometheus/node-exporter* or rancher/system-agent* or
--       registry.crowdstrike.com/falcon-sensor* or registry.k8s.io/sig-storage/csi-node-driver-registrar*
--     ) or
--     kubernetes.audit.objectRef.namespace:(
--       calico or calico-system or cilium or elastic or ingress-nginx or kube-system or noname-security-posture or openebs or sysdig-agent
--     )
--   )
-- what: |
--   This rules detects an attempt to create or modify a pod attached to the host network.
--   HostNetwork allows a pod to use the node network namespace. Doing so gives the pod access to
--   any service running on localhost of the host. An attacker could use this access to snoop on
--   network activity of other pods on the same node or bypass restrictive network policies applied
--   to its given namespace.
-- why: |
--   Kubernetes allows pods to connect to the host's network namespace using HostNetwork, granting
--   them direct access to the node's network interfaces. This capability can be exploited by
--   attackers to monitor or intercept network traffic, potentially bypassing network policies. The
--   detection rule identifies suspicious pod creation or modification events with HostNetwork
--   enabled, excluding known benign images, to flag potential privilege escalation attempts.
-- triage: |
--   - Review the Kubernetes audit logs to identify the source of the pod creation or modification
--     event, focusing on the user or service account associated with the action.
--   - Examine the pod's configuration details, especially the containers' images, to determine if
--     any unauthorized or suspicious images are being used, excluding known benign images like
--     "docker.elastic.co/beats/elastic-agent:8.4.0".
--   - Investigate the network activity of the node where the pod is running to identify any
--     unusual traffic patterns or potential data exfiltration attempts.
--   - Check the Kubernetes RBAC (Role-Based Access Control) settings to ensure that the user or
--     service account has appropriate permissions and is not overly privileged.
--   - Assess the necessity of using HostNetwork for the pod in question and determine if it can be
--     reconfigured to operate without this setting to reduce potential security risks.
-- false_positives: |
--   - Pods used for monitoring or logging may require HostNetwork access to gather network data
--     across nodes. Users can exclude these by adding their specific container images to the
--     exception list in the detection rule.
--   - Certain system-level services or infrastructure components might need HostNetwork for
--     legitimate reasons, such as network plugins or ingress controllers. Identify these services
--     and update the rule to exclude their specific images or namespaces.
--   - Development or testing environments might frequently create pods with HostNetwork for
--     debugging purposes. Consider creating a separate rule or environment-specific exceptions to
--     avoid alert fatigue in these scenarios.
--   - Pods that are part of a known and trusted deployment process, which require HostNetwork for
--     valid operational reasons, should be documented and excluded from the rule to prevent
--     unnecessary alerts.
SELECT *
FROM audit
WHERE authz_decision = 'allow'
  AND resource = 'pods'
  AND verb IN ('create', 'patch', 'update')
  -- Values inside the request body come from object_fields (schema 2): each path lists the
  -- values of every element of every array on the way, as Elasticsearch indexes object arrays,
  -- so a test matches if any container/volume carries the value, and `not` means none does.
  AND array_has(object_fields['requestObject.spec.hostNetwork'], 'true')
  -- KQL `not containers.image:(globs)`: no container's image matches any glob (whole string,
  -- case-sensitive, `*` only; `\:` is a literal colon). Pods without images satisfy the `not`.
  -- (Elastic's integration maps containers.image as `text`, where such globs may not behave as
  -- written; the port applies keyword semantics, the rule's evident intent.)
  AND NOT coalesce(
        regexp_like(array_to_string(object_fields['requestObject.spec.containers.image'], chr(10)), '(?m)^(?:.*eks/observability/aws-for-fluent-bit.*|.*eks/observability/cloudwatch-agent.*|.*elastic-agent.*|.*quay/tigera.*|.*tigera/operator.*|docker\.io/bitnami/node-exporter.*|docker\.io/rancher/mirrored-calico-operator.*|quay\.io/calico/node.*|quay\.io/cephcsi/cephcsi.*|quay\.io/frrouting/frr.*|quay\.io/metallb/speaker.*|quay\.io/prometheus/node-exporter.*|rancher/system-agent.*|registry\.crowdstrike\.com/falcon-sensor.*|registry\.k8s\.io/sig-storage/csi-node-driver-registrar.*)$')
     OR namespace IN ('calico', 'calico-system', 'cilium', 'elastic', 'ingress-nginx', 'kube-system', 'noname-security-posture', 'openebs', 'sysdig-agent'), false)
