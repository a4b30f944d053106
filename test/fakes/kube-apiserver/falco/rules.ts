/**
 * Falco's rules files as Falco 0.39 loads them, for the fake Falco: the items `rule`, `macro`,
 * `list` (plus `required_engine_version` / `required_plugin_versions`, accepted and ignored),
 * files loaded in order with later definitions replacing earlier ones of the same name, the
 * deprecated `append: true` and the newer `override: {<key>: append|replace}`, a rule item carrying
 * only `enabled` toggling an existing rule, and `exceptions` (name/fields/comps/values, appended to
 * the condition as `and not (...)` the way Falco expands them).
 *
 * Errors use Falco's rule-loader codes and wording (LOAD_ERR_YAML_PARSE, LOAD_ERR_YAML_VALIDATE,
 * LOAD_ERR_COMPILE_CONDITION, LOAD_ERR_COMPILE_OUTPUT); a Falco loading such a file exits 1.
 */
import YAML from 'yaml';
import { compileCondition, type Condition, type Lists, type Macros } from './condition.js';
import { compileOutput, type Output } from './output.js';

/** Falco's priorities, most severe first (the names its output line prints). */
export const PRIORITIES = ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Informational', 'Debug'] as const;
export type Priority = (typeof PRIORITIES)[number];

/** A rule that loaded and compiled. */
export interface Rule {
  name: string;
  desc: string;
  priority: Priority;
  condition: Condition;
  output: Output;
  tags: string[];
  enabled: boolean;
}

/** One rules file's text and the path Falco names in its messages. */
export interface RulesFile {
  path: string;
  text: string;
}

/** A load failure, printed as Falco prints its validation result. */
export class RulesLoadError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    readonly detail: string,
    readonly item?: string,
  ) {
    super(`${file}: Invalid\n1 Errors:\nIn rules content: (${file})\n${item ? `    ${item}\n` : ''}${code} (${DESCRIPTIONS[code] ?? code}): ${detail}`);
  }
}

const DESCRIPTIONS: Record<string, string> = {
  LOAD_ERR_YAML_PARSE: 'Error parsing YAML',
  LOAD_ERR_YAML_VALIDATE: 'Error validating internal structure of YAML file',
  LOAD_ERR_COMPILE_CONDITION: 'Error compiling condition',
  LOAD_ERR_COMPILE_OUTPUT: 'Error compiling output',
};

interface RawRule {
  name: string;
  desc: string;
  condition: string;
  output: string;
  priority: string;
  tags: string[];
  enabled: boolean;
  exceptions: Array<{ name: string; fields: string[] | string; comps?: string[] | string; values?: unknown[] }>;
  file: string;
}

const OVERRIDABLE: Record<string, { append: boolean; replace: boolean }> = {
  condition: { append: true, replace: true },
  output: { append: true, replace: true },
  desc: { append: true, replace: true },
  priority: { append: false, replace: true },
  tags: { append: true, replace: true },
  exceptions: { append: true, replace: true },
  enabled: { append: false, replace: true },
  items: { append: true, replace: true },
};

/** Loads `files` in order and compiles every enabled rule; throws RulesLoadError like Falco. */
export function loadRules(files: RulesFile[]): Rule[] {
  const lists: Lists = new Map();
  const macroText = new Map<string, string>();
  const rules = new Map<string, RawRule>();
  for (const f of files) {
    let docs: unknown;
    try {
      docs = YAML.parse(f.text, { uniqueKeys: false });
    } catch (e) {
      throw new RulesLoadError(f.path, 'LOAD_ERR_YAML_PARSE', (e as Error).message.split('\n')[0] ?? '');
    }
    if (docs === null || docs === undefined) continue;
    if (!Array.isArray(docs)) throw new RulesLoadError(f.path, 'LOAD_ERR_YAML_VALIDATE', 'Rules content is not yaml array of objects');
    for (const item of docs) {
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        throw new RulesLoadError(f.path, 'LOAD_ERR_YAML_VALIDATE', 'Unexpected element type. Each element should be a yaml associative array.');
      }
      loadItem(f.path, item as Record<string, unknown>, lists, macroText, rules);
    }
  }
  const macros: Macros = new Map();
  for (const [name, text] of macroText) macros.set(name, text);
  const out: Rule[] = [];
  for (const r of rules.values()) {
    if (!r.enabled) continue;
    const where = `rule '${r.name}'`;
    let condition: Condition;
    try {
      condition = compileCondition(withExceptions(r), macros, lists);
    } catch (e) {
      throw new RulesLoadError(r.file, 'LOAD_ERR_COMPILE_CONDITION', (e as Error).message, where);
    }
    let output: Output;
    try {
      output = compileOutput(r.output);
    } catch (e) {
      throw new RulesLoadError(r.file, 'LOAD_ERR_COMPILE_OUTPUT', (e as Error).message, where);
    }
    const priority = PRIORITIES.find((p) => p.toLowerCase() === r.priority.toLowerCase() || (p === 'Informational' && r.priority.toLowerCase() === 'info'));
    if (!priority) throw new RulesLoadError(r.file, 'LOAD_ERR_YAML_VALIDATE', `Invalid priority`, where);
    out.push({ name: r.name, desc: r.desc, priority, condition, output, tags: r.tags, enabled: true });
  }
  return out;
}

function str(file: string, item: Record<string, unknown>, key: string, where: string, required: boolean): string | undefined {
  const v = item[key];
  if (v === undefined || v === null) {
    if (required) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', `Item has no mapping for key '${key}'`, where);
    return undefined;
  }
  if (typeof v === 'object') throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', `Value for key '${key}' is not a scalar`, where);
  return String(v);
}

function overrides(file: string, item: Record<string, unknown>, where: string): Map<string, 'append' | 'replace'> {
  const o = new Map<string, 'append' | 'replace'>();
  if (item.override === undefined) return o;
  if (!item.override || typeof item.override !== 'object' || Array.isArray(item.override)) {
    throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', "Value for key 'override' is not a map", where);
  }
  if (item.append !== undefined) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', "Keys 'override' and 'append: true' cannot be used together.", where);
  for (const [k, v] of Object.entries(item.override as Record<string, unknown>)) {
    const allowed = OVERRIDABLE[k];
    if (!allowed || (v !== 'append' && v !== 'replace') || !allowed[v]) {
      throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', `Key '${k}' cannot be overridden with '${String(v)}'`, where);
    }
    if (item[k] === undefined) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', `An ${v} override for '${k}' was specified but '${k}' is not defined`, where);
    o.set(k, v);
  }
  return o;
}

function loadItem(file: string, item: Record<string, unknown>, lists: Lists, macros: Map<string, string>, rules: Map<string, RawRule>): void {
  if ('required_engine_version' in item || 'required_plugin_versions' in item) return;
  if ('list' in item) {
    const name = str(file, item, 'list', 'list', true)!;
    const where = `list '${name}'`;
    const items = item.items;
    if (!Array.isArray(items)) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', "Item has no mapping for key 'items'", where);
    const values = items.map((v) => String(v));
    const ov = overrides(file, item, where);
    if (item.append === true || ov.get('items') === 'append') {
      if (!lists.has(name)) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', `List has 'append' key but no list by that name already exists`, where);
      lists.get(name)!.push(...values);
    } else lists.set(name, values);
    return;
  }
  if ('macro' in item) {
    const name = str(file, item, 'macro', 'macro', true)!;
    const where = `macro '${name}'`;
    const cond = str(file, item, 'condition', where, true)!;
    const ov = overrides(file, item, where);
    if (item.append === true || ov.get('condition') === 'append') {
      if (!macros.has(name)) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', `Macro has 'append' key but no macro by that name already exists`, where);
      macros.set(name, `${macros.get(name)!} ${cond}`);
    } else macros.set(name, cond);
    return;
  }
  if ('rule' in item) {
    const name = str(file, item, 'rule', 'rule', true)!;
    const where = `rule '${name}'`;
    const ov = overrides(file, item, where);
    const existing = rules.get(name);
    const enabledOnly = Object.keys(item).every((k) => k === 'rule' || k === 'enabled' || k === 'override');
    if (item.enabled !== undefined && typeof item.enabled !== 'boolean') throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', "Value for key 'enabled' is not a boolean", where);
    if (item.append === true || ov.size > 0 || (enabledOnly && item.enabled !== undefined)) {
      if (!existing) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', `Rule has 'append' or 'override' key but no rule by that name already exists`, where);
      applyChange(file, item, existing, item.append === true ? 'append' : undefined, ov);
      return;
    }
    const raw: RawRule = {
      name,
      desc: str(file, item, 'desc', where, true)!,
      condition: str(file, item, 'condition', where, true)!,
      output: str(file, item, 'output', where, true)!,
      priority: str(file, item, 'priority', where, true)!,
      tags: Array.isArray(item.tags) ? item.tags.map(String) : [],
      enabled: item.enabled === undefined ? true : (item.enabled as boolean),
      exceptions: exceptionsOf(file, item, where),
      file,
    };
    rules.set(name, raw);
  }
  // other top-level keys (e.g. a plugin's) are ignored by this simulation only when they carry none of ours
}

function exceptionsOf(file: string, item: Record<string, unknown>, where: string): RawRule['exceptions'] {
  if (item.exceptions === undefined) return [];
  if (!Array.isArray(item.exceptions)) throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', "Value for key 'exceptions' is not a sequence", where);
  return item.exceptions.map((e) => {
    if (!e || typeof e !== 'object' || typeof (e as { name?: unknown }).name !== 'string') {
      throw new RulesLoadError(file, 'LOAD_ERR_YAML_VALIDATE', "Item has no mapping for key 'name'", where);
    }
    return e as RawRule['exceptions'][number];
  });
}

function applyChange(file: string, item: Record<string, unknown>, r: RawRule, legacy: 'append' | undefined, ov: Map<string, 'append' | 'replace'>): void {
  const where = `rule '${r.name}'`;
  if (item.enabled !== undefined) r.enabled = item.enabled as boolean;
  if (legacy) {
    if (item.condition !== undefined) r.condition = `${r.condition} ${str(file, item, 'condition', where, true)!}`;
    if (item.output !== undefined) r.output = `${r.output} ${str(file, item, 'output', where, true)!}`;
    if (item.exceptions !== undefined) r.exceptions.push(...exceptionsOf(file, item, where));
    return;
  }
  for (const [k, how] of ov) {
    if (k === 'enabled') continue;
    if (k === 'tags') {
      const t = Array.isArray(item.tags) ? item.tags.map(String) : [];
      r.tags = how === 'append' ? [...r.tags, ...t] : t;
    } else if (k === 'exceptions') {
      const ex = exceptionsOf(file, item, where);
      r.exceptions = how === 'append' ? [...r.exceptions, ...ex] : ex;
    } else if (k === 'condition' || k === 'output' || k === 'desc' || k === 'priority') {
      const v = str(file, item, k, where, true)!;
      r[k] = how === 'append' ? `${r[k]} ${v}` : v;
    }
  }
  r.file = file;
}

/** Falco expands each exception into `and not ((f1 c1 v1 and f2 c2 v2) or ...)`. */
function withExceptions(r: RawRule): string {
  let cond = r.condition;
  for (const e of r.exceptions) {
    const fields = Array.isArray(e.fields) ? e.fields : [e.fields];
    const comps = e.comps === undefined ? fields.map(() => '=') : Array.isArray(e.comps) ? e.comps : [e.comps];
    const alts: string[] = [];
    for (const v of e.values ?? []) {
      const vals = Array.isArray(e.fields) ? (v as unknown[]) : [v];
      if (!Array.isArray(vals) || vals.length !== fields.length) continue;
      alts.push(`(${fields.map((f, i) => `${f} ${comps[i]} ${quote(vals[i], comps[i]!)}`).join(' and ')})`);
    }
    if (alts.length) cond = `(${cond}) and not (${alts.join(' or ')})`;
  }
  return cond;
}

function quote(v: unknown, comp: string): string {
  if (Array.isArray(v)) return `(${v.map((x) => quote(x, '=')).join(', ')})`;
  const s = String(v);
  if ((comp === 'in' || comp === 'pmatch') && /^\(.*\)$/.test(s)) return s;
  if (comp === 'in' || comp === 'pmatch') return `(${JSON.stringify(s)})`;
  return JSON.stringify(s);
}
