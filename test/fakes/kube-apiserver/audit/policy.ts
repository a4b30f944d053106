/**
 * kube-apiserver's audit Policy (audit.k8s.io/v1) as k8s.io/apiserver reads and applies it: the
 * file decoded leniently (unknown fields ignored, as its universal decoder does), validated
 * (levels, omitStages, nonResourceURLs, resource groups; at least one rule), and evaluated per
 * request: the FIRST rule that matches decides the level; no match is level None. A rule's
 * omitStages are the union of its own and the policy's.
 */
import { parse } from 'yaml';

export const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;
export type Level = (typeof LEVELS)[number];
export const STAGES = ['RequestReceived', 'ResponseStarted', 'ResponseComplete', 'Panic'] as const;
export type Stage = (typeof STAGES)[number];

interface GroupResources {
  group: string;
  resources: string[];
  resourceNames: string[];
}

export interface AuditRule {
  level: Level;
  users: string[];
  userGroups: string[];
  verbs: string[];
  resources: GroupResources[];
  namespaces: string[];
  nonResourceURLs: string[];
  omitStages: Stage[];
  omitManagedFields?: boolean;
}

export interface AuditPolicy {
  rules: AuditRule[];
  omitStages: Stage[];
  omitManagedFields: boolean;
}

/** What the policy is asked about: the authorizer's attributes of the request, with the authenticated user. */
export interface AuditAttributes {
  user: string;
  groups: string[];
  verb: string;
  /** A resource request (else a non-resource URL, `path`). */
  resourceRequest: boolean;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
  namespace?: string;
  path?: string;
}

/** Thrown with the message kube-apiserver exits with (after "loading audit policy file: "). */
export class AuditPolicyError extends Error {}

/**
 * The policy in `text` (read from `file`), or an AuditPolicyError worded as policy.LoadPolicyFromFile
 * words it.
 */
export function parseAuditPolicy(text: string, file: string): AuditPolicy {
  const fail = (msg: string): never => {
    throw new AuditPolicyError(`${msg}: from file ${file}`);
  };
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    return fail(`failed decoding: error converting YAML to JSON: yaml: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return fail(`failed decoding: couldn't get version/kind; json parse error: json: cannot unmarshal ${jsonKind(doc)} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  const d = doc as Record<string, unknown>;
  if (typeof d.kind !== 'string' || d.kind === '') return fail(`failed decoding: Object 'Kind' is missing in '${JSON.stringify(d)}'`);
  if (d.apiVersion !== 'audit.k8s.io/v1' || d.kind !== 'Policy') {
    return fail(`failed decoding: no kind "${d.kind}" is registered for version "${String(d.apiVersion ?? '')}" in scheme "k8s.io/apiserver/pkg/audit/scheme.go:30"`);
  }
  const errors: string[] = [];
  const policy: AuditPolicy = {
    omitStages: stages(d.omitStages, 'omitStages', errors, 'Policy.omitStages'),
    omitManagedFields: d.omitManagedFields === true,
    rules: [],
  };
  const decodeErrors: string[] = [];
  const rules = d.rules === undefined || d.rules === null ? [] : d.rules;
  if (!Array.isArray(rules)) return fail(`failed decoding: json: cannot unmarshal ${jsonKind(rules)} into Go struct field Policy.rules of type []v1.PolicyRule`);
  rules.forEach((raw: unknown, i: number) => {
    const at = `rules[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      decodeErrors.push(`json: cannot unmarshal ${jsonKind(raw)} into Go struct field Policy.rules of type v1.PolicyRule`);
      return;
    }
    const r = raw as Record<string, unknown>;
    const rule: AuditRule = {
      level: String(r.level ?? '') as Level,
      users: strings(r.users, decodeErrors, 'PolicyRule.rules.users'),
      userGroups: strings(r.userGroups, decodeErrors, 'PolicyRule.rules.userGroups'),
      verbs: strings(r.verbs, decodeErrors, 'PolicyRule.rules.verbs'),
      namespaces: strings(r.namespaces, decodeErrors, 'PolicyRule.rules.namespaces'),
      nonResourceURLs: strings(r.nonResourceURLs, decodeErrors, 'PolicyRule.rules.nonResourceURLs'),
      resources: groupResources(r.resources, decodeErrors),
      omitStages: stages(r.omitStages, `${at}.omitStages`, errors, 'PolicyRule.rules.omitStages'),
      ...(typeof r.omitManagedFields === 'boolean' ? { omitManagedFields: r.omitManagedFields } : {}),
    };
    if (r.level !== undefined && typeof r.level !== 'string') decodeErrors.push(`json: cannot unmarshal ${jsonKind(r.level)} into Go struct field PolicyRule.rules.level of type v1.Level`);
    validateRule(rule, at, errors);
    policy.rules.push(rule);
  });
  if (decodeErrors.length > 0) return fail(`failed decoding: ${decodeErrors[0]}`);
  if (errors.length === 1) throw new AuditPolicyError(errors[0]!);
  if (errors.length > 1) throw new AuditPolicyError(`[${errors.join(', ')}]`);
  if (policy.rules.length === 0) return fail('loaded illegal policy with 0 rules');
  // policy.NewChecker: every rule omits the policy's stages too.
  for (const rule of policy.rules) rule.omitStages = [...new Set([...policy.omitStages, ...rule.omitStages])];
  return policy;
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

function strings(v: unknown, errors: string[], field: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push(`json: cannot unmarshal ${jsonKind(v)} into Go struct field ${field} of type []string`);
    return [];
  }
  return v.map((s) => (typeof s === 'string' ? s : String(s)));
}

function stages(v: unknown, at: string, errors: string[], field: string): Stage[] {
  const list = strings(v, errors, field);
  list.forEach((s, i) => {
    if (!(STAGES as readonly string[]).includes(s)) errors.push(`${at}[${i}]: Invalid value: "${s}": allowed stages are ${STAGES.join(',')}`);
  });
  return list as Stage[];
}

function groupResources(v: unknown, errors: string[]): GroupResources[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    errors.push(`json: cannot unmarshal ${jsonKind(v)} into Go struct field PolicyRule.rules.resources of type []v1.GroupResources`);
    return [];
  }
  return v.map((g: unknown) => {
    const o = (g && typeof g === 'object' ? g : {}) as Record<string, unknown>;
    return { group: typeof o.group === 'string' ? o.group : '', resources: strings(o.resources, errors, 'GroupResources.rules.resources.resources'), resourceNames: strings(o.resourceNames, errors, 'GroupResources.rules.resources.resourceNames') };
  });
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** validation.ValidatePolicy for one rule. */
function validateRule(rule: AuditRule, at: string, errors: string[]): void {
  if (rule.level === ('' as Level)) errors.push(`${at}.level: Required value`);
  else if (!(LEVELS as readonly string[]).includes(rule.level)) errors.push(`${at}.level: Unsupported value: "${rule.level}": supported values: ${LEVELS.map((l) => `"${l}"`).join(', ')}`);
  rule.nonResourceURLs.forEach((url, i) => {
    if (url === '*') return;
    if (!url.startsWith('/')) errors.push(`${at}.nonResourceURLs[${i}]: Invalid value: "${url}": non-resource URL rules must begin with a '/' character`);
    if (url !== '' && url.slice(0, -1).includes('*')) errors.push(`${at}.nonResourceURLs[${i}]: Invalid value: "${url}": non-resource URL wildcards '*' must be the final character of the rule`);
  });
  for (const gr of rule.resources) {
    if (gr.group !== '' && (gr.group.length > 253 || !DNS_SUBDOMAIN.test(gr.group))) {
      errors.push(`${at}.resources.group: Invalid value: "${gr.group}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`);
    }
    if (gr.resourceNames.length > 0 && gr.resources.length === 0) errors.push(`${at}.resources.resourceNames: Invalid value: ${goList(gr.resourceNames)}: using resourceNames requires at least one resource`);
  }
  if (rule.nonResourceURLs.length > 0 && (rule.resources.length > 0 || rule.namespaces.length > 0)) {
    errors.push(`${at}.nonResourceURLs: Invalid value: ${goList(rule.nonResourceURLs)}: rules cannot apply to both regular resources and non-resource URLs`);
  }
}

function goList(items: string[]): string {
  return `[]string{${items.map((s) => JSON.stringify(s)).join(', ')}}`;
}

/** The level and the stages to omit for a request: the first matching rule's, else None. */
export function levelAndStages(policy: AuditPolicy, a: AuditAttributes): { level: Level; omitStages: Stage[]; omitManagedFields: boolean } {
  for (const rule of policy.rules) {
    if (ruleMatches(rule, a)) return { level: rule.level, omitStages: rule.omitStages, omitManagedFields: rule.omitManagedFields ?? policy.omitManagedFields };
  }
  return { level: 'None', omitStages: policy.omitStages, omitManagedFields: policy.omitManagedFields };
}

function ruleMatches(r: AuditRule, a: AuditAttributes): boolean {
  if (r.users.length > 0 && !r.users.includes(a.user)) return false;
  if (r.userGroups.length > 0 && !a.groups.some((g) => r.userGroups.includes(g))) return false;
  if (r.verbs.length > 0 && !r.verbs.includes(a.verb)) return false;
  if (r.namespaces.length > 0 || r.resources.length > 0) return matchesResource(r, a);
  if (r.nonResourceURLs.length > 0) return !a.resourceRequest && r.nonResourceURLs.some((spec) => pathMatches(a.path ?? '', spec));
  return true;
}

function pathMatches(path: string, spec: string): boolean {
  if (spec === '*' || spec === path) return true;
  return spec.endsWith('*') && path.startsWith(spec.replace(/\*+$/, ''));
}

function matchesResource(r: AuditRule, a: AuditAttributes): boolean {
  if (!a.resourceRequest) return false;
  // Cluster-scoped resources have the namespace "".
  if (r.namespaces.length > 0 && !r.namespaces.includes(a.namespace ?? '')) return false;
  if (r.resources.length === 0) return true;
  const resource = a.resource ?? '';
  const sub = a.subresource ?? '';
  const combined = sub ? `${resource}/${sub}` : resource;
  for (const gr of r.resources) {
    if (gr.group !== (a.group ?? '')) continue;
    if (gr.resources.length === 0) return true;
    if (gr.resourceNames.length > 0 && !gr.resourceNames.includes(a.name ?? '')) continue;
    for (const res of gr.resources) {
      if (res === combined || res === '*') return true;
      if (sub && res.startsWith('*/') && res.slice(2) === sub) return true;
      if (res.endsWith('/*') && res.slice(0, -2) === resource) return true;
    }
  }
  return false;
}
