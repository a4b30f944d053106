/**
 * The fake Kyverno's validation engine (v1.18.2): runs every validate rule of every ClusterPolicy
 * and Policy that selects an admission request and answers as Kyverno's resource validating
 * webhook does.
 * - A rule fails with `validation error: <message>. rule <rule> failed at path <path>` (pattern),
 *   the message (deny), or `validation error: rule <rule> failed at path <path>` without one; an
 *   anyPattern lists every pattern's failure; preconditions not met skip the rule.
 * - Rules whose failure action is Enforce block: a failure, or an error (failurePolicy Fail, the
 *   default). The webhook's message is Kyverno's GetBlockedMessages: `\n\nresource
 *   <Kind>/<namespace>/<name> was blocked due to the following policies \n\n` then YAML
 *   `policy: {rule: message}` (go-yaml v2: keys sorted, single quotes where needed, lines folded at 80).
 * - Audit rules never block; with spec.emitWarning they come back as warnings.
 * - On UPDATE an Enforce rule that the old object failed too is skipped (allowExistingViolations,
 *   default true).
 * Variables: `request` (operation, object, oldObject, namespace, name, kind, userInfo), `images`
 * (containers/initContainers/ephemeralContainers by name: registry, path, name, tag, digest,
 * reference; tag `latest` when neither tag nor digest is given), `element` in foreach.
 */
import { matchPattern } from './pattern.js';
import { computeRules, failureAction, ruleSelects, type ResourceInfo } from './policy.js';
import { evalConditions, substitute, VariableError } from './variables.js';

type Obj = Record<string, any>;

export interface AdmissionInput {
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  object: Obj;
  oldObject?: Obj;
  group: string;
  version: string;
  kind: string;
  resource: string;
  namespace: string;
  namespaceLabels: Record<string, string>;
  userInfo?: { username?: string; groups?: string[] };
  dryRun?: boolean;
}

export interface RuleResult {
  policy: string;
  rule: string;
  status: 'pass' | 'fail' | 'error' | 'skip';
  message: string;
  action: 'Enforce' | 'Audit';
}

export interface ValidationOutcome {
  allowed: boolean;
  message?: string;
  warnings: string[];
  results: RuleResult[];
}

/** Kyverno's `images` variable for a Pod spec. */
export function imagesOf(podSpec: Obj | undefined): Obj {
  const out: Obj = {};
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = (podSpec?.[key] ?? []) as Obj[];
    if (!list.length) continue;
    out[key] = Object.fromEntries(list.filter((c) => typeof c?.image === 'string').map((c) => [c.name, imageInfo(c.image)]));
  }
  return out;
}

/** Kyverno's GetImageInfo (default registry docker.io). */
export function imageInfo(image: string): Obj {
  let full = image;
  const slash = image.indexOf('/');
  if (slash < 0 || (!/[.:]/.test(image.slice(0, slash)) && image.slice(0, slash) !== 'localhost' && image.slice(0, slash).toLowerCase() === image.slice(0, slash))) full = `docker.io/${image}`;
  const at = full.indexOf('@');
  const digest = at >= 0 ? full.slice(at + 1) : '';
  const named = at >= 0 ? full.slice(0, at) : full;
  const firstSlash = named.indexOf('/');
  const registry = named.slice(0, firstSlash);
  let rest = named.slice(firstSlash + 1);
  let tag = '';
  const colon = rest.lastIndexOf(':');
  if (colon >= 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  if (!digest && !tag) tag = 'latest';
  const path = rest;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const info: Obj = { registry, name, path };
  if (tag) info.tag = tag;
  if (digest) info.digest = digest;
  info.reference = `${registry}/${path}${digest ? `@${digest}` : `:${tag}`}`;
  info.referenceWithTag = `${registry}/${path}:${tag}`;
  return info;
}

function podSpecOf(obj: Obj): Obj | undefined {
  if (obj.kind === 'Pod') return obj.spec;
  if (obj.kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.spec;
  return obj.spec?.template?.spec;
}

function context(input: AdmissionInput): Obj {
  return {
    request: {
      operation: input.operation,
      object: input.object,
      oldObject: input.oldObject ?? null,
      namespace: input.namespace,
      name: input.object.metadata?.name ?? '',
      kind: { group: input.group, version: input.version, kind: input.kind },
      userInfo: input.userInfo ?? {},
      dryRun: input.dryRun ?? false,
    },
    images: imagesOf(podSpecOf(input.object)),
  };
}

function withDot(msg: string): string {
  return msg.endsWith('.') ? msg : `${msg}.`;
}

/** Runs one validate rule. */
export function runValidateRule(rule: Obj, resource: Obj, data: Obj): { status: RuleResult['status']; message: string } {
  const v = rule.validate as Obj;
  const name = String(rule.name);
  const rawMessage = typeof v.message === 'string' ? v.message : '';
  let message = rawMessage;
  try {
    if (rawMessage) message = String(substitute(rawMessage, data));
  } catch {
    message = rawMessage;
  }
  try {
    if (!evalConditions(rule.preconditions, data)) return { status: 'skip', message: 'preconditions not met' };
  } catch (e) {
    return { status: 'error', message: `failed to evaluate preconditions: ${(e as Error).message}` };
  }
  if (v.deny !== undefined) {
    let deny: boolean;
    try {
      deny = evalConditions(v.deny?.conditions, data);
    } catch (e) {
      return { status: 'error', message: `failed to check deny conditions: ${(e as Error).message}` };
    }
    if (!deny) return { status: 'pass', message: `validation rule '${name}' passed.` };
    return { status: 'fail', message: message || `validation error: rule ${name} failed` };
  }
  if (v.pattern !== undefined) {
    let pattern: unknown;
    try {
      pattern = substitute(v.pattern, data);
    } catch (e) {
      return { status: 'error', message: `variable substitution failed: ${(e as Error).message}` };
    }
    const r = matchPattern(resource, pattern);
    if (r.status === 'pass') return { status: 'pass', message: `validation rule '${name}' passed.` };
    if (r.status === 'skip') return { status: 'skip', message: r.message };
    if (r.status === 'error') return { status: 'error', message: message ? `validation error: ${withDot(message)} rule ${name} execution error: ${r.message}` : `validation error: rule ${name} execution error: ${r.message}` };
    return { status: 'fail', message: message ? `validation error: ${withDot(message)} rule ${name} failed at path ${r.path}` : `validation error: rule ${name} failed at path ${r.path}` };
  }
  if (Array.isArray(v.anyPattern)) {
    const failed: string[] = [];
    const skipped: string[] = [];
    for (const [i, p] of (v.anyPattern as unknown[]).entries()) {
      const r = matchPattern(resource, p);
      if (r.status === 'pass') return { status: 'pass', message: `validation rule '${name}' anyPattern[${i}] passed.` };
      if (r.status === 'skip') skipped.push(`rule ${name}[${i}] skipped: ${r.message}`);
      else if (r.status === 'fail') failed.push(`rule ${name}[${i}] failed at path ${r.path}`);
      else failed.push(`rule ${name}[${i}] failed: ${r.message}`);
    }
    if (!failed.length && skipped.length) return { status: 'skip', message: skipped.join(' ') };
    const errs = failed.join(' ');
    return { status: 'fail', message: message ? `validation error: ${message}${message.endsWith('.') ? '' : '.'} ${errs}` : `validation error: ${errs}` };
  }
  if (v.foreach !== undefined || v.cel !== undefined || v.podSecurity !== undefined || v.manifests !== undefined || v.assert !== undefined) {
    return { status: 'error', message: `fake kyverno: validate.${Object.keys(v).find((k) => ['foreach', 'cel', 'podSecurity', 'manifests', 'assert'].includes(k))} is not simulated` };
  }
  return { status: 'pass', message: '' };
}

/** go-yaml v2's Marshal of `{policy: {rule: message}}`, as Kyverno's GetBlockedMessages writes it. */
export function blockedMessage(kind: string, namespace: string, name: string, failures: Map<string, Map<string, string>>): string {
  let yaml = '';
  for (const policy of [...failures.keys()].sort()) {
    const rules = failures.get(policy)!;
    yaml += `${goYamlScalar(policy, 0, 0)}:\n`;
    for (const rule of [...rules.keys()].sort()) {
      const key = goYamlScalar(rule, 2, 2);
      yaml += `  ${key}: ${goYamlScalar(rules.get(rule)!, 4, 2 + key.length + 2)}\n`;
    }
  }
  return `\n\nresource ${kind}/${namespace}/${name} was blocked due to the following policies \n\n${yaml}`;
}

const RESOLVES = /^(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)|0x[0-9a-fA-F_]+|0b[01_]+|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|<<)$/;

/** Can go-yaml v2 write `s` as a plain scalar in block context? */
function plainAllowed(s: string): boolean {
  if (!s || RESOLVES.test(s) || s.startsWith('---') || s.startsWith('...')) return false;
  if (/^\s|\s$/.test(s) || /[\n\r]/.test(s) || /[^\x20-\x7e\u00a0-\uffff]/.test(s)) return false;
  if ('#,[]{}&*!|>\'"%@`'.includes(s[0]!)) return false;
  if ((s[0] === '?' || s[0] === ':' || s[0] === '-') && (s.length === 1 || s[1] === ' ')) return false;
  if (/: |:$| #/.test(s)) return false;
  return true;
}

/**
 * One string scalar as go-yaml v2 emits it: plain when allowed, else single-quoted (' doubled);
 * a line is folded at the first space after column 80 (best_width), continuing at `indent`.
 */
export function goYamlScalar(s: string, indent: number, column: number): string {
  if (/[\n\r]/.test(s) || /[^\x20-\x7e\u00a0-\uffff]/.test(s)) return JSON.stringify(s);
  const quoted = !plainAllowed(s);
  let out = quoted ? "'" : '';
  let col = column + out.length;
  let spaces = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === ' ') {
      if (!spaces && col > 80 && (quoted ? i > 0 && i < s.length - 1 : true) && s[i + 1] !== ' ') {
        out += `\n${' '.repeat(indent)}`;
        col = indent;
      } else {
        out += c;
        col++;
      }
      spaces = true;
    } else {
      if (quoted && c === "'") {
        out += "'";
        col++;
      }
      out += c;
      col++;
      spaces = false;
    }
  }
  return quoted ? `${out}'` : out;
}

/** Evaluates an admission request against the policies (ClusterPolicy and Policy objects). */
export function validateAdmission(policies: Obj[], input: AdmissionInput): ValidationOutcome {
  const data = context(input);
  const info: ResourceInfo = {
    kind: input.kind,
    group: input.group,
    version: input.version,
    name: String(input.object.metadata?.name ?? ''),
    namespace: input.namespace,
    labels: (input.object.metadata?.labels ?? {}) as Record<string, string>,
    namespaceLabels: input.namespaceLabels,
    operation: input.operation,
  };
  const results: RuleResult[] = [];
  const warnings: string[] = [];
  const failures = new Map<string, Map<string, string>>();
  const sorted = [...policies].sort((a, b) => policyKey(a).localeCompare(policyKey(b)));
  for (const policy of sorted) {
    if (policy.spec?.admission === false) continue;
    for (const rule of computeRules(policy)) {
      if (!rule.validate || !ruleSelects(policy, rule, info)) continue;
      const action = failureAction(policy, rule, input.namespace);
      let r = runValidateRule(rule, input.object, data);
      // Enforce on UPDATE: a resource that already violated may keep violating (allowExistingViolations, default true).
      if (action === 'Enforce' && r.status === 'fail' && input.operation === 'UPDATE' && input.oldObject && rule.validate?.allowExistingViolations !== false) {
        const old = runValidateRule(rule, input.oldObject, context({ ...input, object: input.oldObject, operation: 'CREATE' }));
        if (old.status === 'fail') r = { status: 'skip', message: 'skipping the rule evaluation as pre-existing violations are allowed' };
      }
      const pname = String(policy.metadata?.name ?? '');
      results.push({ policy: pname, rule: rule.name, status: r.status, message: r.message, action });
      if (r.status !== 'fail' && r.status !== 'error') continue;
      if (action === 'Enforce') {
        if (!failures.has(pname)) failures.set(pname, new Map());
        failures.get(pname)!.set(rule.name, r.message);
      } else if (policy.spec?.emitWarning) {
        warnings.push(`policy ${pname}.${rule.name}: ${r.message}`);
      }
    }
  }
  if (!failures.size) return { allowed: true, warnings, results };
  return { allowed: false, message: blockedMessage(input.kind, input.namespace, info.name, failures), warnings, results };
}

/** A stable order over ClusterPolicies and Policies (a Policy as `<namespace>/<name>`). */
export function policyKey(policy: Obj): string {
  return policy.kind === 'Policy' ? `${policy.metadata?.namespace}/${policy.metadata?.name}` : String(policy.metadata?.name);
}

export { VariableError };
