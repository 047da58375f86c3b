-- id: eks-authentication-configuration-modified
-- name: EKS Authentication Configuration Modified
-- elastic_rule_id: 5202697c-313b-4bf0-9029-73fe78cd4b6d
-- elastic_source: elastic/detection-rules@14cf530f (elastic-detection-rules/rules/integrations/kubernetes/persistence_kubernetes_eks_aws_auth_configmap_modified.toml, updated 2026/05/06)
-- type: query
-- language: kuery
-- severity: high
-- risk_score: 73
-- interval: 5m
-- from: now-9m
-- max_signals: 100
-- mitre: TA0003 Persistence; T1098 Account Manipulation | TA0004 Privilege Escalation; T1098 Account Manipulation
-- tags: Data Source: Kubernetes; Domain: Kubernetes; Use Case: Threat Detection; Tactic: Persistence; Tactic: Privilege Escalation; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: aws-auth
-- requires: configmaps
-- requires: allow | granted
-- references: https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html
--   https://docs.aws.amazon.com/eks/latest/userguide/access-entries.html
-- query: |
--   data_stream.dataset:"kubernetes.audit_logs" and
--   kubernetes.audit.objectRef.resource:"configmaps" and
--   kubernetes.audit.objectRef.name:"aws-auth" and
--   kubernetes.audit.verb:("update" or "patch" or "delete") and
--   kubernetes.audit.objectRef.namespace:"kube-system" and
--   kubernetes.audit.annotations.authorization_k8s_io/decision:"allow" and
--   not user.name:"eks:kms-storage-migrator"
-- what: |
--   Detects modifications to the aws-auth ConfigMap in Amazon EKS clusters. The aws-auth ConfigMap
--   maps AWS IAM roles and users to Kubernetes RBAC groups, an attacker who modifies it can grant
--   any IAM role cluster-admin access by adding a mapping to the system:masters group. This is a
--   well-documented persistence technique that survives pod restarts, node replacements, and RBAC
--   changes because the authentication mapping exists outside of normal Kubernetes Role objects.
--   Modifications to aws-auth are rare in normal operations, the ConfigMap is typically set during
--   cluster provisioning and updated only during node group or access configuration changes.
-- why: |
--   Confirm who changed the mapping (user.name, groups, source.ip, user_agent.original) and
--   whether the change aligns with
--   approved cluster or node-group operations. Compare the new aws-auth mapRoles/mapUsers content
--   to the prior revision if
--   request/response capture is available in audit.
-- triage: |
--   - Identify any new IAM role ARNs or users bound to system:masters or other privileged
--     Kubernetes groups.
--   - Correlate the timestamp with AWS CloudTrail for related EKS or IAM API activity and with
--     GitOps or pipeline commits.
--   - Review subsequent API activity from newly mapped IAM principals for secret access, RBAC
--     changes, or workload deployment.
--   - If Access Entries are enabled, also review CloudTrail for eks:CreateAccessEntry,
--     eks:AssociateAccessPolicy, and similar
--   API calls around the same window.
-- false_positives: |
--       Legitimate node group lifecycle, cluster upgrades, or infrastructure-as-code (Terraform, CloudFormation, eksctl) may
--       update aws-auth during expected change windows. Baseline automation identities and expand exclusions beyond
--       eks:kms-storage-migrator if your environment uses additional known controllers.
SELECT *
FROM audit
WHERE resource = 'configmaps'
  AND object_name = 'aws-auth'
  AND verb IN ('update', 'patch', 'delete')
  AND namespace = 'kube-system'
  AND authz_decision = 'allow'
  AND NOT coalesce(user_name = 'eks:kms-storage-migrator', false)
