-- id: container-created-with-excessive-linux-capabilities-pre-2026-02
-- name: Kubernetes Container Created with Excessive Linux Capabilities
-- elastic_rule_id: 7164081a-3930-11ed-a261-0242ac120002
-- elastic_source: elastic/detection-rules@7c038407 (pre-2026-02) (elastic-detection-rules-pre-2026-02/rules/integrations/kubernetes/privilege_escalation_container_created_with_excessive_linux_capabilities.toml, updated 2025/06/18)
-- type: query
-- language: kuery
-- severity: medium
-- risk_score: 47
-- interval: 5m
-- from: now-6m
-- max_signals: 100
-- mitre: TA0004 Privilege Escalation; T1611 Escape to Host | TA0002 Execution; T1610 Deploy Container
-- tags: Data Source: Kubernetes; Tactic: Execution; Tactic: Privilege Escalation; Resources: Investigation Guide
-- license: Elastic License v2: query and guide text by Elastic (elastic/detection-rules), ported to SQL
-- requires: capabilities
-- requires: BPF | DAC_READ_SEARCH | NET_ADMIN | SYS_ADMIN | SYS_BOOT | SYS_MODULE | SYS_PTRACE | SYS_RAWIO | SYSLOG
-- requires: pods
-- requires: create
-- requires: allow | granted
-- references: https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container
--   https://0xn3va.gitbook.io/cheat-sheets/container/escaping/excessive-capabilities
--   https://man7.org/linux/man-pages/man7/capabilities.7.html
--   https://docs.docker.com/engine/reference/run/#runtime-privilege-and-linux-capabilities
-- query: |
--   event.dataset: kubernetes.audit_logs
--     and kubernetes.audit.annotations.authorization_k8s_io/decision:"allow"
--     and kubernetes.audit.verb: create
--     and kubernetes.audit.objectRef.resource: pods
--     and kubernetes.audit.requestObject.spec.containers.securityContext.capabilities.add: ("BPF" or "DAC_READ_SEARCH"  or "NET_ADMIN" or "SYS_ADMIN" or "SYS_BOOT" or "SYS_MODULE" or "SYS_PTRACE" or "SYS_RAWIO"  or "SYSLOG")
--     and not kubernetes.audit.requestObject.spec.containers.image : ("docker.elastic.co/beats/elastic-agent:8.4.0" or "rancher/klipper-lb:v0.3.5" or "")
-- what: |
--   This rule detects a container deployed with one or more dangerously permissive Linux
--   capabilities. An attacker with the ability to deploy a container with added capabilities could
--   use this for further execution, lateral movement, or privilege escalation within a cluster.
--   The capabilities detected in this rule have been used in container escapes to the host
--   machine.
-- why: |
--   Linux capabilities were designed to divide root privileges into smaller units. Each capability
--   grants a thread just enough power to perform specific privileged tasks. In Kubernetes,
--   containers are given a set of default capabilities that can be dropped or added to at the time
--   of creation. Added capabilities entitle containers in a pod with additional privileges that
--   can be used to change
--   core processes, change network settings of a cluster, or directly access the underlying host.
--   The following have been used in container escape techniques:
--   BPF - Allow creating BPF maps, loading BPF Type Format (BTF) data, retrieve JITed code of BPF
--   programs, and more.
--   DAC_READ_SEARCH - Bypass file read permission checks and directory read and execute permission
--   checks.
--   NET_ADMIN - Perform various network-related operations.
--   SYS_ADMIN - Perform a range of system administration operations.
--   SYS_BOOT - Use reboot(2) and kexec_load(2), reboot and load a new kernel for later execution.
--   SYS_MODULE - Load and unload kernel modules.
--   SYS_PTRACE - Trace arbitrary processes using ptrace(2).
--   SYS_RAWIO - Perform I/O port operations (iopl(2) and ioperm(2)).
--   SYSLOG - Perform privileged syslog(2) operations.
-- triage: |
--   - Review the matching events' user, source IPs, user agent and object.
-- false_positives: |
--   - While these capabilities are not included by default in containers, some legitimate images
--     may need to add them. This rule leaves space for the exception of trusted container images.
--     To add an exception, add the trusted container image name to the query field,
--     kubernetes.audit.requestObject.spec.containers.image.
--   ## Setup
--   The Kubernetes Fleet integration with Audit Logs enabled or similarly structured data is
--   required to be compatible with this rule.
SELECT *
FROM audit
WHERE authz_decision = 'allow'
  AND verb = 'create'
  AND resource = 'pods'
  -- Values inside the request body come from object_fields (schema 2): each path lists the
  -- values of every element of every array on the way, as Elasticsearch indexes object arrays,
  -- so a test matches if any container/volume carries the value, and `not` means none does.
  -- Quoted names: exact and case-sensitive (`ALL`, `CAP_SYS_ADMIN`, `sys_admin` do not match).
  AND array_has_any(object_fields['requestObject.spec.containers.securityContext.capabilities.add'], make_array(
        'BPF', 'DAC_READ_SEARCH', 'NET_ADMIN', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_MODULE', 'SYS_PTRACE', 'SYS_RAWIO', 'SYSLOG'))
  -- Quoted values: exact image strings, any container; `""` is kept as written: a container
  -- whose image is the empty string.
  AND NOT coalesce(array_has_any(object_fields['requestObject.spec.containers.image'], make_array('docker.elastic.co/beats/elastic-agent:8.4.0', 'rancher/klipper-lb:v0.3.5', '')), false)
