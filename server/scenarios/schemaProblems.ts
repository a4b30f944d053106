import type { ErrorObject } from 'ajv';
import type { ScenarioProblem } from './types.js';
import type { YamlSource } from './yamlSource.js';
import { fromJsonPointer } from './fieldPath.js';
import { closest, didYouMean } from './suggest.js';

type SchemaObject = Record<string, unknown>;

const NAME_PATTERN = '^[a-z0-9][a-z0-9-]{0,40}$';
export const ARRAY_IN_MATCH =
  'plain arrays are not allowed in match: use {$exact: [...]}, {$contains: [...]} or {$each: {...}} to say how the list is compared';

/**
 * Turn ajv errors into problems a scenario author can act on: file, line, field path and the fix.
 * Noise is dropped: `if` wrappers, and a "missing required field" whose likely typo is already
 * reported as an unknown field.
 */
export function schemaProblems(errors: readonly ErrorObject[], source: YamlSource): ScenarioProblem[] {
  const typoTargets = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const target = closest(String(e.params.additionalProperty), allowedKeys(e.parentSchema));
    if (target !== undefined) typoTargets.add(`${e.instancePath}\u0000${target}`);
  }
  const out: ScenarioProblem[] = [];
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (e.keyword === 'required' && typoTargets.has(`${e.instancePath}\u0000${String(e.params.missingProperty)}`)) continue;
    out.push(toProblem(e, source));
  }
  return out;
}

function toProblem(e: ErrorObject, source: YamlSource): ScenarioProblem {
  const path = fromJsonPointer(e.instancePath, source.value);
  const name = path.length > 0 ? `'${String(path[path.length - 1])}'` : 'the document';
  const parent = (e.parentSchema ?? {}) as SchemaObject;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = allowedKeys(parent);
      const hint = didYouMean(key, allowed) || ` — allowed here: ${allowed.join(', ')}`;
      const what = isMatchNode(parent) && key.startsWith('$') ? 'unknown match operator' : 'unknown field';
      return source.problem([...path, key], `${what} '${key}'${hint}`, { key: true });
    }
    case 'required': {
      const key = String(e.params.missingProperty);
      return source.problem(path, `missing required field '${key}'${describeField(parent, key)}`);
    }
    case 'type': {
      if (isMatchNode(parent) && Array.isArray(e.data)) return source.problem(path, ARRAY_IN_MATCH);
      const types = ([] as string[]).concat(e.params.type as string | string[]);
      return source.problem(path, `${name} must be ${types.map(article).join(' or ')} (got ${describe(e.data)})`);
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const typo = typeof e.data === 'string' ? didYouMean(e.data, allowed) : '';
      return source.problem(path, `${name} must be one of: ${allowed.join(', ')} (got ${describe(e.data)})${typo}`);
    }
    case 'const':
      return source.problem(path, `${name} must be ${JSON.stringify(e.params.allowedValue)} (got ${describe(e.data)})`);
    case 'pattern':
      return source.problem(path, patternMessage(name, String(e.params.pattern), e.data));
    case 'minItems':
      return source.problem(path, `${name} must list at least ${String(e.params.limit)} item(s)`);
    case 'minLength':
      return source.problem(path, `${name} must not be empty`);
    case 'maxLength':
      return source.problem(path, `${name} must be at most ${String(e.params.limit)} characters`);
    case 'minProperties':
      return source.problem(path, `${name} must set at least one of: ${allowedKeys(parent).join(', ')}`);
    case 'minimum':
    case 'maximum':
      return source.problem(path, `${name} must be ${String(e.params.comparison)} ${String(e.params.limit)} (got ${describe(e.data)})`);
    default:
      return source.problem(path, `${name} ${e.message ?? 'is invalid'}`);
  }
}

function allowedKeys(schema: unknown): string[] {
  const props = (schema as SchemaObject | undefined)?.properties;
  return props && typeof props === 'object' ? Object.keys(props) : [];
}

function isMatchNode(schema: SchemaObject): boolean {
  const props = schema.properties as SchemaObject | undefined;
  return props !== undefined && '$exact' in props;
}

function describeField(parent: SchemaObject, key: string): string {
  const props = parent.properties as Record<string, SchemaObject> | undefined;
  const description = props?.[key]?.description;
  return typeof description === 'string' ? ` (${description.split('. ')[0]?.replace(/\.$/, '')})` : '';
}

function patternMessage(name: string, pattern: string, data: unknown): string {
  const got = `(got ${describe(data)})`;
  if (pattern === NAME_PATTERN)
    return `${name} must be 1-41 characters of lowercase letters, digits and '-', starting with a letter or digit ${got}`;
  if (pattern === '^\\{.*\\}$') return `JSONPath must be wrapped in braces, e.g. '{.status.phase}' ${got}`;
  if (pattern === '^/') return `${name} must be an absolute path on the node, e.g. /etc/kubernetes/enc/enc.yaml ${got}`;
  if (pattern === '^[^/].*$') return `${name} must be a file name relative to the scenario folder ${got}`;
  return `${name} must match the pattern ${pattern} ${got}`;
}

function article(type: string): string {
  if (type === 'null') return 'null';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string') return `${typeof value} ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + '...' : value)}`;
  return `${typeof value} ${String(value)}`;
}
