/**
 * Scenario parameters: one source for every name, namespace, port or image a scenario's README,
 * setup, checks and solution use, so text and environment cannot disagree.
 *
 * scenario.yaml declares them (`parameters: { namespace: { default: shop, choices: [shop, store] } }`);
 * the README, titles, hints and checks write `{{namespace}}` (or `{{namespace|regex}}` inside a
 * regular expression); setup and solution scripts read `$PARAM_NAMESPACE`. A start may draw values
 * from `choices`, so answers cannot be memorised; the defaults are the ⚑ end states of DESIGN.md.
 */
import { randomInt } from 'node:crypto';
import type { Scenario, ScenarioParameter } from './types.js';

/** A parameter name: camelCase, e.g. `namespace`, `imageTag`. */
export const PARAM_NAME = /^[a-z][a-zA-Z0-9]{0,30}$/;
/**
 * A value: what names, ports, CVE ids, paths and image references need, and nothing a shell, YAML
 * or Markdown would read as syntax (no spaces, quotes, `$`, backticks, braces).
 */
export const PARAM_VALUE = /^[A-Za-z0-9/][A-Za-z0-9._:/@+=-]{0,252}$/;
const TEMPLATE = /\{\{\s*([a-zA-Z][a-zA-Z0-9]*)\s*(?:\|\s*([a-z]+)\s*)?\}\}/g;
const FILTERS = new Set(['regex']);

export type ParamValues = Readonly<Record<string, string>>;

/** `imageTag` → `PARAM_IMAGE_TAG`: how setup and solution scripts see a parameter. */
export function paramEnvName(name: string): string {
  return `PARAM_${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** The environment a scenario's scripts run with for these values. */
export function paramEnv(values: ParamValues): Record<string, string> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [paramEnvName(k), v]));
}

/** The defaults of every declared parameter. */
export function defaultParams(params: readonly ScenarioParameter[] = []): Record<string, string> {
  return Object.fromEntries(params.map((p) => [p.name, p.default]));
}

/** Every `{{name}}` a string uses, with its filter. */
export function templateRefs(text: string): { name: string; filter?: string }[] {
  return [...text.matchAll(TEMPLATE)].map((m) => (m[2] ? { name: m[1] as string, filter: m[2] } : { name: m[1] as string }));
}

/** Problems with the templates in `text` (undeclared names, unknown filters), as messages. */
export function templateProblems(text: string, declared: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const ref of templateRefs(text)) {
    if (!declared.has(ref.name)) out.push(`{{${ref.name}}} is not a declared parameter (declared: ${[...declared].join(', ') || 'none'})`);
    if (ref.filter !== undefined && !FILTERS.has(ref.filter)) out.push(`{{${ref.name}|${ref.filter}}}: unknown filter '${ref.filter}' (known: ${[...FILTERS].join(', ')})`);
  }
  return out;
}

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** Replace `{{name}}` in one string (unknown names are left as they are: the loader refuses them). */
export function renderTemplate(text: string, values: ParamValues): string {
  return text.replace(TEMPLATE, (whole, name: string, filter?: string) => {
    const v = values[name];
    if (v === undefined) return whole;
    return filter === 'regex' ? escapeRegex(v) : v;
  });
}

/** Render every string (map keys too) of a JSON-like tree. */
export function renderTree<T>(node: T, values: ParamValues): T {
  if (typeof node === 'string') return renderTemplate(node, values) as T;
  if (Array.isArray(node)) return node.map((n: unknown) => renderTree(n, values)) as T;
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [renderTemplate(k, values), renderTree(v, values)])) as T;
  }
  return node;
}

export class ParamError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'ParamError';
  }
}

/**
 * The values a run uses: defaults, overridden by `given` (validated: declared name, safe value,
 * one of `choices` when the parameter has them), and with `randomize` every parameter that has
 * choices and was not given is drawn from them.
 */
export function resolveParams(scenario: Pick<Scenario, 'id' | 'parameters'>, given: Readonly<Record<string, string>> = {}, opts: { randomize?: boolean; pick?: (n: number) => number } = {}): Record<string, string> {
  const pick = opts.pick ?? ((n: number) => randomInt(n));
  const declared = scenario.parameters ?? [];
  const byName = new Map(declared.map((p) => [p.name, p]));
  for (const [name, value] of Object.entries(given)) {
    const p = byName.get(name);
    if (!p) {
      throw new ParamError(`scenario ${scenario.id} has no parameter '${name}' (it has: ${[...byName.keys()].join(', ') || 'none'})`, name);
    }
    if (!PARAM_VALUE.test(value)) throw new ParamError(`parameter ${name}: '${value}' is not a safe value (letters, digits and . _ : / @ + = -, at most 253 characters)`, name);
    if (p.choices && !p.choices.includes(value)) throw new ParamError(`parameter ${name} must be one of ${p.choices.join(', ')} (got '${value}')`, name);
  }
  const out: Record<string, string> = {};
  for (const p of declared) {
    const given1 = given[p.name];
    if (given1 !== undefined) out[p.name] = given1;
    else if (opts.randomize && p.choices && p.choices.length > 0) out[p.name] = p.choices[pick(p.choices.length)] as string;
    else out[p.name] = p.default;
  }
  return out;
}

/** The scenario as one run sees it: every template rendered with `values` (from resolveParams). */
export function applyParams(scenario: Scenario, values: ParamValues): Scenario {
  const t = scenario.template;
  if (!t || !scenario.parameters?.length) return scenario;
  return {
    ...scenario,
    title: renderTemplate(t.title, values),
    summary: renderTemplate(t.summary, values),
    instructions: renderTemplate(t.instructions, values),
    tasks: renderTree(t.tasks, values),
    values: { ...values },
  };
}

/** The environment a scenario's setup and solution scripts need (empty without parameters). */
export function scriptEnv(scenario: Pick<Scenario, 'values'>): Record<string, string> {
  return paramEnv(scenario.values ?? {});
}
