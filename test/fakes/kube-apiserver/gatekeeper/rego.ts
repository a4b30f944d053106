/**
 * The fake Gatekeeper has no Rego engine. It recognises the Rego of the ConstraintTemplates the
 * labs ship (gatekeeper-library, vendored in labs/gatekeeper/image/gatekeeper-library/) by the
 * SHA-256 of their source — trailing spaces of each line and blank lines at either end ignored,
 * nothing else — and runs an equivalent TypeScript implementation of each, written from the Rego's
 * semantics (the same violations, the same messages as OPA's sprintf prints them). Any other Rego
 * is NOT simulated: the template's status reports an ingest error saying so, no constraint CRD is
 * made, nothing is enforced. This is a limit of the fake, not of the product: on real kind the
 * real Gatekeeper evaluates any Rego.
 */
import { createHash } from 'node:crypto';

/** What a template's Rego receives: `input.review` (the AdmissionReview request) and `input.parameters`. */
export interface RegoInput {
  review: { object: Record<string, any>; oldObject?: Record<string, any> | null; kind: { group: string; version: string; kind: string }; operation: string; namespace?: string; name?: string };
  parameters: unknown;
}

/** A template implementation: the `msg` of every violation. */
export type Violations = (input: RegoInput) => string[];

/** The hash the fake recognises Rego by (see the module doc). */
export function regoHash(rego: string): string {
  const normal = rego.split('\n').map((l) => l.replace(/[ \t]+$/, '')).join('\n').replace(/^\n+|\n+$/g, '');
  return createHash('sha256').update(normal).digest('hex');
}

/** OPA's sprintf `%v` of a value: strings bare at top level, JSON-like composites with ", " between items. */
export function regoValue(v: unknown, top = true): string {
  if (typeof v === 'string') return top ? v : JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x) => regoValue(x, false)).join(', ')}]`;
  if (v && typeof v === 'object') return `{${Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => `${JSON.stringify(k)}: ${regoValue(x, false)}`).join(', ')}}`;
  return String(v);
}

/**
 * gatekeeper-library general/allowedrepos 1.0.2 (k8sallowedrepos): every container, initContainer
 * and ephemeralContainer whose image does not start with one of `parameters.repos`
 * (strings.any_prefix_match: a plain prefix, so "docker.io" also admits "docker.io.evil.com/x").
 * Without `repos` the rule's sprintf is undefined and nothing is reported, as in OPA.
 */
const k8sAllowedRepos: Violations = ({ review, parameters }) => {
  const repos = (parameters as Record<string, unknown> | undefined)?.repos;
  if (!Array.isArray(repos)) return [];
  const out: string[] = [];
  for (const [field, label] of [['containers', 'container'], ['initContainers', 'initContainer'], ['ephemeralContainers', 'ephemeralContainer']] as const) {
    for (const c of (review.object?.spec?.[field] ?? []) as Record<string, unknown>[]) {
      if (typeof c?.image !== 'string' || c.name === undefined) continue;
      if (repos.some((r) => typeof r === 'string' && (c.image as string).startsWith(r))) continue;
      out.push(`${label} <${regoValue(c.name)}> has an invalid image repo <${c.image}>, allowed repos are ${regoValue(repos)}`);
    }
  }
  return out;
};

/** Rego hash → implementation; names say which library template and version. */
const KNOWN: Record<string, { name: string; run: Violations }> = {
  // labs/gatekeeper/image/gatekeeper-library/general/allowedrepos/template.yaml (metadata.gatekeeper.sh/version 1.0.2)
  '03327e01ff709be30f59518a1f255faaba14a848709480a3188f7c82c9f61bb6': { name: 'gatekeeper-library k8sallowedrepos 1.0.2', run: k8sAllowedRepos },
};

/** The implementation of a template's Rego, or undefined when the fake cannot evaluate it. */
export function knownRego(rego: string): { name: string; run: Violations } | undefined {
  return KNOWN[regoHash(rego)];
}

/** A violation set's messages in OPA's order (results of a set rule come out sorted). */
export function sortedMessages(msgs: string[]): string[] {
  return [...new Set(msgs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
