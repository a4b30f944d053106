/**
 * ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1, on by default since v1.30) as
 * kube-apiserver v1.34 runs it: every ValidatingAdmissionPolicyBinding whose policy's
 * matchConstraints and whose own matchResources select the request (operation, group/version/
 * resource, namespaceSelector, objectSelector, excludeResourceRules) evaluates the policy's CEL —
 * variables, matchConditions, then validations — against `object`, `oldObject`, `request`,
 * `namespaceObject` and `params` (null: paramKind is not simulated).
 * - Deny: the request fails with the validation's reason (default Forbidden):
 *   `pods "x" is forbidden: ValidatingAdmissionPolicy 'p' with binding 'b' denied request: <message>`,
 *   the message being `message`, else `messageExpression`'s value, else `failed expression: <expr>`.
 * - Warn: `Validation failed for ValidatingAdmissionPolicy 'p' with binding 'b': <message>` as a warning.
 * - An expression that errors at run time denies under failurePolicy Fail (the default) and is
 *   ignored under Ignore. An expression that does not compile is refused when the policy is written.
 * CEL is evaluated with @marcbachmann/cel-js (the CEL spec's standard library and macros); the
 * Kubernetes CEL libraries (quantity, url, ip, authorizer, optional types) are not available.
 */
import { parse } from '@marcbachmann/cel-js';
import { selectorMatches } from './network/policy.js';
import type { ResourceType } from './resources.js';
import { findResource } from './resources.js';
import type { StatusCause } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';

type Obj = Record<string, any>;
type Operation = 'CREATE' | 'UPDATE';

const POLICIES = findResource('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies');
const BINDINGS = findResource('admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings');
const NAMESPACES = findResource('', 'v1', 'namespaces')!;
const MAX_EXPRESSION = 5 * 1024;

export interface PolicyDenial {
  code: number;
  reason: string;
  message: string;
}

/** The first `(compile) Invalid value` cause of a policy or binding being written, if any. */
export function validatePolicyObject(kind: string, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = (obj.spec ?? {}) as Obj;
  if (kind === 'ValidatingAdmissionPolicy') {
    const validations = Array.isArray(spec.validations) ? (spec.validations as Obj[]) : [];
    if (!validations.length && !(spec.auditAnnotations ?? []).length) {
      causes.push({ reason: 'FieldValueRequired', field: 'spec.validations', message: 'Required value: validations or auditAnnotations must contain at least one item' });
    }
    if (!spec.matchConstraints?.resourceRules?.length) causes.push({ reason: 'FieldValueRequired', field: 'spec.matchConstraints.resourceRules', message: 'Required value' });
    if (spec.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(spec.failurePolicy)) {
      causes.push({ reason: 'FieldValueNotSupported', field: 'spec.failurePolicy', message: `Unsupported value: "${String(spec.failurePolicy)}": supported values: "Fail", "Ignore"` });
    }
    const exprs: [string, unknown][] = [
      ...((spec.variables ?? []) as Obj[]).map((v, i): [string, unknown] => [`spec.variables[${i}].expression`, v?.expression]),
      ...((spec.matchConditions ?? []) as Obj[]).map((m, i): [string, unknown] => [`spec.matchConditions[${i}].expression`, m?.expression]),
      ...validations.flatMap((v, i): [string, unknown][] => [[`spec.validations[${i}].expression`, v?.expression], ...(v?.messageExpression !== undefined ? [[`spec.validations[${i}].messageExpression`, v.messageExpression] as [string, unknown]] : [])]),
    ];
    for (const [field, expr] of exprs) {
      if (typeof expr !== 'string' || expr.trim() === '') {
        causes.push({ reason: 'FieldValueRequired', field, message: 'Required value' });
        continue;
      }
      const err = compileError(expr);
      if (err) causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(expr)}: compilation failed: ERROR: <input>:${err}` });
    }
  } else if (kind === 'ValidatingAdmissionPolicyBinding') {
    if (typeof spec.policyName !== 'string' || spec.policyName === '') causes.push({ reason: 'FieldValueRequired', field: 'spec.policyName', message: 'Required value' });
    const actions = Array.isArray(spec.validationActions) ? (spec.validationActions as unknown[]) : [];
    if (!actions.length) causes.push({ reason: 'FieldValueRequired', field: 'spec.validationActions', message: 'Required value: at least one validation action is required' });
    actions.forEach((a, i) => {
      if (!['Deny', 'Warn', 'Audit'].includes(String(a))) {
        causes.push({ reason: 'FieldValueNotSupported', field: `spec.validationActions[${i}]`, message: `Unsupported value: "${String(a)}": supported values: "Audit", "Deny", "Warn"` });
      }
    });
    if (actions.includes('Deny') && actions.includes('Warn')) {
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.validationActions', message: `Invalid value: ${JSON.stringify(actions)}: must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)` });
    }
  }
  return causes;
}

function compileError(expr: string): string | undefined {
  if (expr.length > MAX_EXPRESSION) return `1:1: expression is longer than ${MAX_EXPRESSION} characters`;
  try {
    parse(expr);
    return undefined;
  } catch (e) {
    return `1:1: ${String((e as Error).message).split('\n')[0]}`;
  }
}

interface Rule {
  apiGroups?: string[];
  apiVersions?: string[];
  operations?: string[];
  resources?: string[];
  resourceNames?: string[];
  scope?: string;
}

const anyOf = (list: unknown, value: string): boolean => Array.isArray(list) && (list.includes('*') || list.includes(value));

function ruleMatches(rule: Rule, rt: ResourceType, op: Operation, name: string): boolean {
  if (!anyOf(rule.operations, op) || !anyOf(rule.apiGroups, rt.group) || !anyOf(rule.apiVersions, rt.version)) return false;
  const resources = rule.resources ?? [];
  if (!resources.includes('*') && !resources.includes(rt.resource) && !resources.includes('*/*')) return false;
  const scope = rule.scope ?? '*';
  if (scope === 'Cluster' && rt.namespaced) return false;
  if (scope === 'Namespaced' && !rt.namespaced) return false;
  if (rule.resourceNames?.length && !rule.resourceNames.includes(name)) return false;
  return true;
}

/** Does a MatchResources (a policy's matchConstraints or a binding's matchResources) select this request? */
function selects(match: Obj | undefined, rt: ResourceType, op: Operation, obj: KubeObject, nsLabels: Record<string, string> | undefined, requireRules: boolean): boolean {
  if (!match) return !requireRules;
  const rules = (match.resourceRules ?? []) as Rule[];
  if (rules.length ? !rules.some((r) => ruleMatches(r, rt, op, obj.metadata.name)) : requireRules) return false;
  if (((match.excludeResourceRules ?? []) as Rule[]).some((r) => ruleMatches(r, rt, op, obj.metadata.name))) return false;
  if (match.namespaceSelector && nsLabels !== undefined && !selectorMatches(match.namespaceSelector, nsLabels)) return false;
  if (match.objectSelector && !selectorMatches(match.objectSelector, obj.metadata.labels ?? {})) return false;
  return true;
}

/** Integers as CEL ints (bigint), as Kubernetes' typed objects present them. */
function celValue(v: unknown): unknown {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (Array.isArray(v)) return v.map(celValue);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, celValue(x)]));
  return v;
}

/** cel-go's wording for the errors learners meet most. */
function celError(e: unknown): string {
  const msg = String((e as Error)?.message ?? e).split('\n')[0]!;
  return msg.replace(/^No such key: /, 'no such key: ').replace(/^Unknown variable: /, 'undeclared reference to ');
}

export interface PolicyOutcome {
  denial?: PolicyDenial;
  warnings: string[];
}

/** Runs every binding that selects this create/update; the first Deny failure denies the request. */
export function admitPolicies(store: ObjectStore, rt: ResourceType, op: Operation, obj: KubeObject, oldObj: KubeObject | undefined, dryRun: boolean): PolicyOutcome {
  const warnings: string[] = [];
  if (!POLICIES || !BINDINGS || rt === POLICIES || rt === BINDINGS) return { warnings };
  const bindings = store.list(BINDINGS);
  if (!bindings.length) return { warnings };
  const nsName = rt.namespaced ? String(obj.metadata.namespace ?? '') : rt === NAMESPACES ? obj.metadata.name : undefined;
  const nsObject = rt.namespaced && nsName ? store.get(NAMESPACES, '', nsName) : undefined;
  const nsLabels = rt === NAMESPACES ? (obj.metadata.labels ?? {}) : rt.namespaced ? (nsObject?.metadata.labels ?? {}) : undefined;
  for (const binding of [...bindings].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const bspec = (binding.spec ?? {}) as Obj;
    const policy = store.get(POLICIES, '', String(bspec.policyName ?? ''));
    if (!policy) continue;
    const spec = (policy.spec ?? {}) as Obj;
    if (!selects(spec.matchConstraints, rt, op, obj, nsLabels, true)) continue;
    if (!selects(bspec.matchResources, rt, op, obj, nsLabels, false)) continue;
    const actions = ((bspec.validationActions ?? []) as string[]).filter((a) => a === 'Deny' || a === 'Warn');
    const failOpen = spec.failurePolicy === 'Ignore';
    const prefix = `ValidatingAdmissionPolicy '${policy.metadata.name}' with binding '${binding.metadata.name}'`;
    const context: Obj = {
      object: celValue(obj),
      oldObject: oldObj ? celValue(oldObj) : null,
      params: null,
      namespaceObject: nsObject ? celValue(nsObject) : null,
      request: celValue({
        operation: op,
        name: obj.metadata.name,
        namespace: rt.namespaced ? obj.metadata.namespace : '',
        kind: { group: rt.group, version: rt.version, kind: rt.kind },
        resource: { group: rt.group, version: rt.version, resource: rt.resource },
        dryRun,
        userInfo: { username: '', groups: [] },
      }),
    };
    const results: { failed: boolean; message?: string; reason?: string; error?: string }[] = [];
    try {
      const variables: Obj = {};
      context.variables = variables;
      for (const v of (spec.variables ?? []) as Obj[]) variables[String(v.name)] = parse(String(v.expression))(context);
      const conditions = (spec.matchConditions ?? []) as Obj[];
      let matched = true;
      for (const c of conditions) {
        if (parse(String(c.expression))(context) !== true) {
          matched = false;
          break;
        }
      }
      if (!matched) continue;
      for (const v of (spec.validations ?? []) as Obj[]) {
        const expr = String(v.expression);
        let value: unknown;
        try {
          value = parse(expr)(context);
        } catch (e) {
          results.push({ failed: true, error: `expression '${expr}' resulted in error: ${celError(e)}` });
          continue;
        }
        if (value === true) continue;
        let message = typeof v.message === 'string' && v.message ? v.message : undefined;
        if (!message && typeof v.messageExpression === 'string') {
          try {
            const m = parse(v.messageExpression)(context);
            if (typeof m === 'string' && m.trim()) message = m;
          } catch {
            /* the message falls back, as kube-apiserver's does */
          }
        }
        results.push({ failed: true, message: message ?? `failed expression: ${expr}`, reason: typeof v.reason === 'string' ? v.reason : undefined });
      }
    } catch (e) {
      results.push({ failed: true, error: `${celError(e)}` });
    }
    for (const r of results) {
      if (r.error && failOpen) continue;
      const text = r.error ?? r.message!;
      if (actions.includes('Warn')) warnings.push(`Validation failed for ${prefix}: ${text}`);
      if (actions.includes('Deny')) {
        const reason = r.reason ?? 'Forbidden';
        const code = { Unauthorized: 401, Forbidden: 403, Invalid: 422, RequestEntityTooLarge: 413 }[reason] ?? 403;
        return { denial: { code, reason, message: `${prefix} denied request: ${text}` }, warnings };
      }
    }
  }
  return { warnings };
}
