/**
 * Kyverno v1.18.2's view of a ClusterPolicy / Policy (kyverno.io/v1): its effective rules with the
 * rules autogen adds for Pod controllers (pkg/autogen/v1), each rule's failure action, and whether
 * a rule's match/exclude selects a resource (pkg/engine/utils MatchesResourceDescription).
 * - autogen: a policy whose rules all match only `Pod` (no names, selectors or annotations, no
 *   generate rule) gets `autogen-<rule>` for DaemonSet, Deployment, Job, StatefulSet, ReplicaSet,
 *   ReplicationController (pattern under spec.template, JMESPath `request.object.spec` shifted to
 *   `request.object.spec.template.spec`) and `autogen-cronjob-<rule>` for CronJob (under
 *   spec.jobTemplate.spec.template); the annotation pod-policies.kyverno.io/autogen-controllers
 *   chooses the controllers (`none` turns it off).
 * - failure action: the rule's validate.failureAction, else spec.validationFailureAction
 *   (deprecated), default Audit (the CRD's default). `enforce`/`audit` in lower case still work.
 * - a (namespaced) Policy applies only to resources in its own namespace.
 * Kyverno's default resourceFilters (the chart's ConfigMap) are applied: Events, Nodes,
 * ReplicaSets, and everything in kube-system, kube-public, kube-node-lease and kyverno are ignored.
 */
import { selectorMatches } from '../network/policy.js';
import { wildcardMatch } from './wildcard.js';

type Obj = Record<string, any>;

export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';
const CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'ReplicationController', 'StatefulSet'];
export const IGNORED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'kyverno'];
const IGNORED_KINDS = ['Event', 'Node', 'APIService', 'TokenReview', 'SubjectAccessReview', 'SelfSubjectAccessReview', 'Binding', 'ReplicaSet'];

export interface Rule extends Obj {
  name: string;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Resource descriptions of a match/exclude block: `resources`, or each of `any`/`all`. */
function descriptions(block: Obj | undefined): Obj[] {
  if (!block) return [];
  const out: Obj[] = [];
  if (block.resources) out.push(block.resources);
  for (const f of [...(block.any ?? []), ...(block.all ?? [])] as Obj[]) if (f?.resources) out.push(f.resources);
  return out;
}

const kindsOf = (block: Obj | undefined): string[] => descriptions(block).flatMap((d) => (d.kinds ?? []) as string[]);
const bareKind = (k: string): string => k.split('/').pop() ?? k;
const hasPod = (kinds: string[]): boolean => kinds.some((k) => k === 'Pod' || k.endsWith('/Pod'));

function canAutogen(spec: Obj): boolean {
  let needed = false;
  for (const rule of (spec.rules ?? []) as Obj[]) {
    if (rule.generate) return false;
    for (const d of [...descriptions(rule.match), ...descriptions(rule.exclude)]) {
      const kinds = (d.kinds ?? []) as string[];
      if (d.name || d.names?.length || d.selector || d.annotations || (kinds.length > 1 && hasPod(kinds))) return false;
      if (kinds.some((k) => ['Pod', ...CONTROLLERS, 'CronJob'].includes(bareKind(k)))) needed = true;
    }
  }
  return needed;
}

function shiftJmes(v: unknown, to: 'template' | 'cronjob'): unknown {
  const text = JSON.stringify(v);
  if (text === undefined) return v;
  const spec = to === 'template' ? 'spec.template.spec' : 'spec.jobTemplate.spec.template.spec';
  const meta = to === 'template' ? 'spec.template.metadata' : 'spec.jobTemplate.spec.template.metadata';
  return JSON.parse(
    text
      .replaceAll('request.object.spec', `request.object.${spec}`)
      .replaceAll('request.oldObject.spec', `request.oldObject.${spec}`)
      .replaceAll('request.object.metadata', `request.object.${meta}`)
      .replaceAll('request.oldObject.metadata', `request.oldObject.${meta}`),
  ) as unknown;
}

function retarget(block: Obj | undefined, kinds: string[], onlyPod: boolean): Obj | undefined {
  if (!block) return block;
  const b = clone(block);
  const set = (d: Obj): void => {
    if (!onlyPod || hasPod(d.kinds ?? [])) d.kinds = kinds;
  };
  if (b.any?.length) b.any.forEach((f: Obj) => f.resources && set(f.resources));
  else if (b.all?.length) b.all.forEach((f: Obj) => f.resources && set(f.resources));
  else if (b.resources && (b.resources.kinds?.length || !onlyPod)) b.resources.kinds = kinds;
  return b;
}

function autogenRule(rule: Obj, name: string, tplKey: 'template' | 'jobTemplate', kinds: string[], onlyPod: boolean): Rule | undefined {
  const v = rule.validate as Obj | undefined;
  if (!v) return undefined;
  const out: Rule = { ...clone(rule), name: name.slice(0, 63) };
  out.match = retarget(rule.match, kinds, onlyPod);
  if (rule.exclude && kindsOf(rule.exclude).length) out.exclude = retarget(rule.exclude, kinds, onlyPod);
  const wrap = (p: unknown): unknown => ({ spec: { [tplKey]: p } });
  const keep = { message: v.message, failureAction: v.failureAction, failureActionOverrides: v.failureActionOverrides, allowExistingViolations: v.allowExistingViolations };
  if (v.pattern !== undefined) out.validate = { ...keep, pattern: wrap(v.pattern) };
  else if (v.anyPattern !== undefined) out.validate = { ...keep, anyPattern: (v.anyPattern as unknown[]).map(wrap) };
  else if (v.deny !== undefined) out.validate = { ...keep, deny: v.deny };
  else if (v.foreach !== undefined) out.validate = { ...keep, foreach: v.foreach };
  else return undefined;
  return out;
}

/** The policy's rules as Kyverno runs them, autogen rules appended. */
export function computeRules(policy: Obj): Rule[] {
  const spec = (policy.spec ?? {}) as Obj;
  const rules = ((spec.rules ?? []) as Rule[]).filter((r) => !String(r.name).startsWith('autogen-'));
  if (!canAutogen(spec)) return rules;
  const ann = policy.metadata?.annotations?.[AUTOGEN_ANNOTATION] as string | undefined;
  const wanted = ann === undefined ? [...CONTROLLERS, 'CronJob'] : ann.split(',').map((s) => s.trim());
  if (wanted.includes('none')) return rules;
  const controllers = (wanted.includes('all') ? CONTROLLERS : CONTROLLERS.filter((c) => wanted.includes(c))).sort();
  const cron = wanted.includes('CronJob') || wanted.includes('all');
  const gen: Rule[] = [];
  for (const rule of rules) {
    const matchKinds = kindsOf(rule.match);
    const excludeKinds = kindsOf(rule.exclude);
    if (!hasPod(matchKinds) || (excludeKinds.length && !hasPod(excludeKinds))) continue;
    if (controllers.length) {
      const r = autogenRule(rule, `autogen-${rule.name}`, 'template', controllers, true);
      if (r) gen.push(shiftJmes(r, 'template') as Rule);
    }
    if (cron) {
      const base = autogenRule(rule, `autogen-${rule.name}`, 'template', controllers.length ? controllers : CONTROLLERS, true);
      const r = base && autogenRule(base, `autogen-cronjob-${rule.name}`, 'jobTemplate', ['CronJob'], false);
      if (r) gen.push(shiftJmes(r, 'cronjob') as Rule);
    }
  }
  return [...rules, ...gen];
}

export type FailureAction = 'Enforce' | 'Audit';

/** The rule's effective validation failure action (namespace overrides applied). */
export function failureAction(policy: Obj, rule: Obj, namespace: string): FailureAction {
  const v = (rule.validate ?? {}) as Obj;
  const overrides = ((v.failureActionOverrides ?? policy.spec?.validationFailureActionOverrides ?? []) as Obj[]).find((o) => ((o.namespaces ?? []) as string[]).some((n) => wildcardMatch(n, namespace)));
  const raw = String(overrides?.action ?? v.failureAction ?? policy.spec?.validationFailureAction ?? 'Audit');
  return raw.toLowerCase() === 'enforce' ? 'Enforce' : 'Audit';
}

/** What a rule is matched against. */
export interface ResourceInfo {
  kind: string;
  group: string;
  version: string;
  name: string;
  namespace: string;
  labels: Record<string, string>;
  namespaceLabels: Record<string, string>;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
}

function kindMatches(pattern: string, r: ResourceInfo): boolean {
  const parts = pattern.split('/');
  const kind = parts[parts.length - 1]!;
  if (!wildcardMatch(kind, r.kind)) return false;
  if (parts.length === 2 && parts[0] !== '*' && !wildcardMatch(parts[0]!, r.group ? `${r.group}/${r.version}` : r.version) && !wildcardMatch(parts[0]!, r.group)) return false;
  if (parts.length === 3 && !(wildcardMatch(parts[0]!, r.group) && wildcardMatch(parts[1]!, r.version))) return false;
  return true;
}

function descriptionMatches(d: Obj, r: ResourceInfo, operations: string[] | undefined): boolean {
  const kinds = (d.kinds ?? []) as string[];
  if (kinds.length && !kinds.some((k) => kindMatches(k, r))) return false;
  if (d.name && !wildcardMatch(String(d.name), r.name)) return false;
  if (d.names?.length && !(d.names as string[]).some((n) => wildcardMatch(n, r.name))) return false;
  if (d.namespaces?.length) {
    const ns = r.kind === 'Namespace' ? r.name : r.namespace;
    if (!(d.namespaces as string[]).some((n) => wildcardMatch(n, ns))) return false;
  }
  if (d.selector && !selectorMatches(d.selector, r.labels)) return false;
  if (d.namespaceSelector && (r.kind === 'Namespace' || !selectorMatches(d.namespaceSelector, r.namespaceLabels))) return false;
  const ops = (d.operations ?? operations) as string[] | undefined;
  if (ops?.length && !ops.includes(r.operation)) return false;
  return true;
}

function blockMatches(block: Obj, r: ResourceInfo): boolean {
  if (block.any?.length) return (block.any as Obj[]).some((f) => descriptionMatches(f.resources ?? {}, r, undefined));
  if (block.all?.length) return (block.all as Obj[]).every((f) => descriptionMatches(f.resources ?? {}, r, undefined));
  if (block.resources) return descriptionMatches(block.resources, r, undefined);
  return false;
}

/** Is `r` selected by the rule (match and not exclude), for this policy (its namespace) and Kyverno's filters? */
export function ruleSelects(policy: Obj, rule: Obj, r: ResourceInfo): boolean {
  if (filtered(r)) return false;
  const policyNs = policy.kind === 'Policy' ? String(policy.metadata?.namespace ?? '') : '';
  if (policyNs && r.namespace !== policyNs) return false;
  if (!rule.match || !blockMatches(rule.match, r)) return false;
  if (rule.exclude && blockMatches(rule.exclude, r)) return false;
  return true;
}

/** Kyverno's default resourceFilters. */
export function filtered(r: ResourceInfo): boolean {
  if (IGNORED_KINDS.includes(r.kind)) return true;
  const ns = r.kind === 'Namespace' ? '' : r.namespace;
  return IGNORED_NAMESPACES.includes(ns);
}
