import { CURRICULUM, type Domain } from './curriculum.js';

/**
 * One competency of the CKS curriculum and the scenarios that practise it. The names are the
 * "competency" column of the target catalog (CATALOG.md), grouped under the curriculum's domains.
 */
export interface Competency {
  /** Stable slug (`network-policy`), used as a test id and in URLs. */
  id: string;
  domain: Domain;
  /** In a learner's words: "NetworkPolicy", "audit logs". */
  name: string;
  /**
   * Ids of the scenarios that practise it: those in scenarios/ and those the catalog plans (a
   * planned id simply does not show until its folder exists).
   */
  scenarios: readonly string[];
}

/**
 * THE mapping competency → scenarios (one source: the catalog page's coverage view, its topic
 * search and the tests that keep every scenario mapped all read it). A new scenario must be added
 * here; test/scenarios/competencies.test.ts fails, naming it, until it is.
 */
export const COMPETENCIES: readonly Competency[] = [
  // Cluster Setup
  { id: 'network-policy', domain: 'Cluster Setup', name: 'NetworkPolicy', scenarios: ['netpol-default-deny'] },
  { id: 'node-metadata', domain: 'Cluster Setup', name: 'node metadata', scenarios: ['metadata-protect'] },
  { id: 'cis-benchmark', domain: 'Cluster Setup', name: 'CIS benchmark', scenarios: ['kube-bench-fix'] },
  { id: 'ingress-tls', domain: 'Cluster Setup', name: 'Ingress TLS', scenarios: ['ingress-tls'] },
  { id: 'platform-binaries', domain: 'Cluster Setup', name: 'platform binaries', scenarios: ['verify-binaries'] },
  { id: 'secrets-at-rest', domain: 'Cluster Setup', name: 'secrets at rest', scenarios: ['encryption-at-rest'] },
  // Cluster Hardening
  { id: 'rbac', domain: 'Cluster Hardening', name: 'RBAC', scenarios: ['rbac-least-privilege', 'rbac-user-csr'] },
  { id: 'certificates', domain: 'Cluster Hardening', name: 'certificates', scenarios: ['rbac-user-csr'] },
  { id: 'service-accounts', domain: 'Cluster Hardening', name: 'ServiceAccounts', scenarios: ['sa-token-hardening'] },
  // CATALOG.md says "restrict access" for etcd-tls-hardening: the same curriculum line (restrict access to the API).
  { id: 'restrict-api-access', domain: 'Cluster Hardening', name: 'restrict API access', scenarios: ['apiserver-access', 'kubelet-hardening', 'etcd-tls-hardening'] },
  { id: 'upgrade', domain: 'Cluster Hardening', name: 'upgrade', scenarios: ['k8s-upgrade'] },
  // System Hardening
  { id: 'apparmor', domain: 'System Hardening', name: 'AppArmor', scenarios: ['apparmor'] },
  { id: 'seccomp', domain: 'System Hardening', name: 'seccomp', scenarios: ['seccomp'] },
  { id: 'os-footprint', domain: 'System Hardening', name: 'OS footprint', scenarios: ['host-footprint'] },
  { id: 'iam', domain: 'System Hardening', name: 'IAM', scenarios: ['host-least-privilege'] },
  { id: 'external-access', domain: 'System Hardening', name: 'external access', scenarios: ['egress-restrict'] },
  // Minimize Microservice Vulnerabilities
  { id: 'pod-security-standards', domain: 'Minimize Microservice Vulnerabilities', name: 'Pod Security Standards', scenarios: ['pod-security-admission'] },
  { id: 'security-contexts', domain: 'Minimize Microservice Vulnerabilities', name: 'security contexts', scenarios: ['privileged-audit'] },
  { id: 'secrets', domain: 'Minimize Microservice Vulnerabilities', name: 'Secrets', scenarios: ['secrets-handling', 'encryption-at-rest'] },
  { id: 'isolation', domain: 'Minimize Microservice Vulnerabilities', name: 'isolation', scenarios: ['multi-tenancy'] },
  { id: 'sandboxes', domain: 'Minimize Microservice Vulnerabilities', name: 'sandboxes', scenarios: ['runtimeclass-gvisor', 'runtimeclass-kata'] },
  { id: 'multi-container-pods', domain: 'Minimize Microservice Vulnerabilities', name: 'multi-container pods', scenarios: ['sidecar-log-shipper', 'init-containers'] },
  { id: 'pod-to-pod-encryption', domain: 'Minimize Microservice Vulnerabilities', name: 'Pod-to-Pod encryption', scenarios: ['pod-mtls'] },
  // Supply Chain Security
  { id: 'base-image-footprint', domain: 'Supply Chain Security', name: 'base image footprint', scenarios: ['image-footprint'] },
  { id: 'vulnerability-scanning', domain: 'Supply Chain Security', name: 'vulnerability scanning', scenarios: ['trivy-scan'] },
  { id: 'sbom', domain: 'Supply Chain Security', name: 'SBOM', scenarios: ['sbom'] },
  { id: 'static-analysis', domain: 'Supply Chain Security', name: 'static analysis (KubeLinter, kubesec)', scenarios: ['static-analysis'] },
  { id: 'opa-gatekeeper', domain: 'Supply Chain Security', name: 'OPA Gatekeeper', scenarios: ['gatekeeper-repos'] },
  { id: 'kyverno', domain: 'Supply Chain Security', name: 'Kyverno', scenarios: ['kyverno-policies'] },
  { id: 'signing', domain: 'Supply Chain Security', name: 'signing', scenarios: ['cosign-verify'] },
  { id: 'registries', domain: 'Supply Chain Security', name: 'registries', scenarios: ['private-registry'] },
  { id: 'image-pull-policy', domain: 'Supply Chain Security', name: 'ImagePullPolicy', scenarios: ['alwayspullimages'] },
  { id: 'admission-webhooks', domain: 'Supply Chain Security', name: 'admission webhooks', scenarios: ['imagepolicywebhook'] },
  { id: 'admission-policy', domain: 'Supply Chain Security', name: 'admission policy', scenarios: ['vap-digest-only'] },
  // Monitoring, Logging and Runtime Security
  { id: 'audit-logs', domain: 'Monitoring, Logging and Runtime Security', name: 'audit logs', scenarios: ['audit-policy'] },
  { id: 'attack-phases', domain: 'Monitoring, Logging and Runtime Security', name: 'attack phases', scenarios: ['audit-investigation'] },
  { id: 'threat-detection', domain: 'Monitoring, Logging and Runtime Security', name: 'threat detection', scenarios: ['falco-rules'] },
  { id: 'behavioural-analytics', domain: 'Monitoring, Logging and Runtime Security', name: 'behavioural analytics', scenarios: ['syscall-investigation'] },
  { id: 'immutability', domain: 'Monitoring, Logging and Runtime Security', name: 'immutability', scenarios: ['immutable-runtime'] },
  { id: 'bad-actors', domain: 'Monitoring, Logging and Runtime Security', name: 'bad actors', scenarios: ['static-pod-backdoor'] },
];

/** Every scenario id the mapping knows (present or planned). */
export function mappedScenarioIds(): Set<string> {
  return new Set(COMPETENCIES.flatMap((c) => c.scenarios));
}

/** The names of the competencies a scenario practises (empty for an unmapped id). */
export function competenciesOf(scenarioId: string): string[] {
  return COMPETENCIES.filter((c) => c.scenarios.includes(scenarioId)).map((c) => c.name);
}

/** One domain of the coverage view: its weight and competencies, each with the scenarios that exist. */
export interface DomainCoverage {
  domain: Domain;
  weight: number;
  competencies: { id: string; name: string; scenarios: string[] }[];
}

/**
 * The coverage view: every competency of every domain (curriculum order) with the ids among
 * `existing` that practise it, in the mapping's order; an empty list is a gap in the catalog.
 */
export function coverage(existing: ReadonlySet<string>): DomainCoverage[] {
  return CURRICULUM.map(({ domain, weight }) => ({
    domain,
    weight,
    competencies: COMPETENCIES.filter((c) => c.domain === domain).map((c) => ({ id: c.id, name: c.name, scenarios: c.scenarios.filter((id) => existing.has(id)) })),
  }));
}
