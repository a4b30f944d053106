/**
 * Parameters checked where they are used: every `{{name}}` in scenario.yaml and README.md and
 * every `$PARAM_*` in the scripts names a declared parameter, defaults are among their choices,
 * and no parameter is declared without being used.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FieldPath } from './fieldPath.js';
import { paramEnvName, templateProblems, templateRefs } from './params.js';
import type { ScenarioParameter, ScenarioProblem } from './types.js';
import type { YamlSource } from './yamlSource.js';

const ENV_REF = /\bPARAM_[A-Z0-9_]+\b/g;

export function lintParameters(dir: string, source: YamlSource, params: ScenarioParameter[]): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  const declared = new Set(params.map((p) => p.name));
  const used = new Set<string>();
  for (const p of params) {
    if (p.choices && !p.choices.includes(p.default)) {
      out.push(source.problem(['parameters', p.name, 'default'], `default '${p.default}' must be one of its choices (${p.choices.join(', ')})`));
    }
  }
  const walk = (node: unknown, at: FieldPath): void => {
    if (typeof node === 'string') {
      for (const msg of templateProblems(node, declared)) out.push(source.problem(at, msg));
      for (const r of templateRefs(node)) used.add(r.name);
    } else if (Array.isArray(node)) node.forEach((n, i) => walk(n, [...at, i]));
    else if (node !== null && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) {
        for (const msg of templateProblems(k, declared)) out.push(source.problem([...at, k], msg));
        for (const r of templateRefs(k)) used.add(r.name);
        walk(v, [...at, k]);
      }
    }
  };
  const doc = (source.value ?? {}) as Record<string, unknown>;
  for (const key of ['title', 'summary', 'tasks'] as const) walk(doc[key], [key]);

  const readme = join(dir, 'README.md');
  readLines(readme).forEach((line, i) => {
    for (const msg of templateProblems(line, declared)) out.push({ file: readme, line: i + 1, message: msg });
    for (const r of templateRefs(line)) used.add(r.name);
  });

  const envNames = new Map(params.map((p) => [paramEnvName(p.name), p.name]));
  for (const [field, fallback] of [['setup', 'setup.sh'], ['solution', 'solution.sh']] as const) {
    const file = join(dir, typeof doc[field] === 'string' ? (doc[field] as string) : fallback);
    readLines(file).forEach((line, i) => {
      for (const m of line.matchAll(ENV_REF)) {
        const name = envNames.get(m[0]);
        if (name) used.add(name);
        else out.push({ file, line: i + 1, message: `$${m[0]} is not a declared parameter (declared: ${[...envNames.keys()].join(', ') || 'none'})` });
      }
    });
  }
  for (const p of params) {
    if (!used.has(p.name)) out.push(source.problem(['parameters', p.name], `parameter '${p.name}' is declared but used nowhere ({{${p.name}}} in README.md or scenario.yaml, $${paramEnvName(p.name)} in the scripts)`));
  }
  return out;
}

function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}
