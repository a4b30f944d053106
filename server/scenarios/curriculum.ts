/** The CKS curriculum's six domains and their weights in the exam (v1.34, same as v1.33), in percent. */
export const CURRICULUM = [
  { domain: 'Cluster Setup', weight: 15 },
  { domain: 'Cluster Hardening', weight: 15 },
  { domain: 'System Hardening', weight: 10 },
  { domain: 'Minimize Microservice Vulnerabilities', weight: 20 },
  { domain: 'Supply Chain Security', weight: 20 },
  { domain: 'Monitoring, Logging and Runtime Security', weight: 20 },
] as const;

export type Domain = (typeof CURRICULUM)[number]['domain'];

/**
 * How many of `total` questions each domain gets by its weight (largest remainders, so the
 * counts add up to `total` exactly).
 */
export function questionsByWeight(total: number): Map<Domain, number> {
  const exact = CURRICULUM.map((d) => ({ domain: d.domain, share: (total * d.weight) / 100 }));
  const out = new Map<Domain, number>(exact.map((e) => [e.domain, Math.floor(e.share)]));
  let left = total - [...out.values()].reduce((a, b) => a + b, 0);
  for (const e of [...exact].sort((a, b) => b.share - Math.floor(b.share) - (a.share - Math.floor(a.share)))) {
    if (left-- <= 0) break;
    out.set(e.domain, (out.get(e.domain) ?? 0) + 1);
  }
  return out;
}
