import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultParams, renderTemplate, renderTree } from './params.js';
import { lintParameters } from './paramLint.js';
import type { Check, Scenario, ScenarioParameter, ScenarioProblem, Task } from './types.js';
import { parseYamlSource } from './yamlSource.js';
import { compileScenarioSchema, type ScenarioSchema } from './schema.js';
import { schemaProblems } from './schemaProblems.js';
import { lintScenario } from './lint.js';

/** Default per-check timeout when a check sets no `timeoutMs`. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10_000;

export interface LoadOptions {
  /** labs/ folder; when given, each scenario's `lab` must exist there. */
  labsDir?: string;
  /** A compiled schema to reuse across many scenarios (compiled from scenarios/schema.json otherwise). */
  schema?: ScenarioSchema;
}

/** Either a valid scenario or every problem found (never both). */
export type LoadScenarioResult =
  | { scenario: Scenario; problems?: never }
  | { problems: ScenarioProblem[]; scenario?: never };

/**
 * Load scenarios/<id>/: parse scenario.yaml (keeping line numbers), validate it against the JSON
 * Schema, lint what the schema cannot see, then apply defaults. Problems are data, not exceptions.
 */
export function loadScenario(dir: string, opts: LoadOptions = {}): LoadScenarioResult {
  const abs = resolve(dir);
  const file = join(abs, 'scenario.yaml');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return { problems: [{ file, message: 'scenario.yaml is missing: every folder under scenarios/ is a scenario' }] };
  }
  const source = parseYamlSource(file, text);
  if (source.syntaxProblems.length > 0) return { problems: source.syntaxProblems };
  const schema = opts.schema ?? compileScenarioSchema();
  const schemaFound = schemaProblems(schema.validate(source.value), source);
  const params = declaredParameters(source.value);
  // What the schema cannot see is linted as the defaults render it (regexes, JSONPaths), and the
  // templates themselves against the declared parameters.
  const rendered = { ...source, value: renderTree(source.value, defaultParams(params)) };
  const problems = [...schemaFound, ...lintScenario(abs, rendered, opts), ...(schemaFound.length === 0 ? lintParameters(abs, source, params) : [])];
  if (problems.length > 0) return { problems: sortProblems(problems) };
  return { scenario: toScenario(abs, source.value as RawScenario, params) };
}

/**
 * Load every scenario folder under `rootDir` (hidden folders skipped). One broken scenario does
 * not hide the others: valid ones are returned, sorted by id, next to all problems found.
 */
export function loadCatalog(rootDir: string, opts: LoadOptions = {}): { scenarios: Scenario[]; problems: ScenarioProblem[] } {
  const root = resolve(rootDir);
  const schema = opts.schema ?? compileScenarioSchema();
  const scenarios: Scenario[] = [];
  const problems: ScenarioProblem[] = [];
  let dirs: string[];
  try {
    dirs = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && d.name !== 'node_modules')
      .map((d) => d.name)
      .sort();
  } catch {
    return { scenarios, problems: [{ file: root, message: `scenarios folder ${root} cannot be read` }] };
  }
  for (const name of dirs) {
    const result = loadScenario(join(root, name), { ...opts, schema });
    if (result.scenario) scenarios.push(result.scenario);
    else problems.push(...result.problems);
  }
  return { scenarios, problems };
}

/** "file:line:column field: message", the form editors and CI logs link. */
export function formatProblem(p: ScenarioProblem): string {
  const where = [p.file, p.line, p.line !== undefined ? p.column : undefined].filter((x) => x !== undefined).join(':');
  return `${where}${p.field ? ` ${p.field}` : ''}: ${p.message}`;
}

type RawScenario = Omit<Scenario, 'dir' | 'instructions' | 'setupScript' | 'solutionScript' | 'parameters'> & {
  setup?: string;
  solution?: string;
  parameters?: Record<string, Omit<ScenarioParameter, 'name'>>;
};

/** The `parameters` map of a (schema-valid or not) document, in declaration order. */
function declaredParameters(doc: unknown): ScenarioParameter[] {
  const raw = doc !== null && typeof doc === 'object' ? (doc as { parameters?: unknown }).parameters : undefined;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return [];
  return Object.entries(raw as Record<string, unknown>).flatMap(([name, p]) => {
    if (p === null || typeof p !== 'object') return [];
    const { description, default: def, choices } = p as Record<string, unknown>;
    if (typeof def !== 'string') return [];
    return [
      {
        name,
        description: typeof description === 'string' ? description : '',
        default: def,
        ...(Array.isArray(choices) ? { choices: choices.filter((c): c is string => typeof c === 'string') } : {}),
      },
    ];
  });
}

function toScenario(dir: string, raw: RawScenario, parameters: ScenarioParameter[]): Scenario {
  const tasks: Task[] = raw.tasks.map((t) => ({
    id: t.id,
    title: t.title,
    weight: t.weight,
    hint: t.hint,
    checks: t.checks.map((c): Check => ({ ...c, timeoutMs: c.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS })),
  }));
  const instructions = readFileSync(join(dir, 'README.md'), 'utf8');
  const base: Scenario = {
    id: raw.id,
    title: raw.title,
    domain: raw.domain,
    difficulty: raw.difficulty,
    lab: raw.lab,
    timeLimitMinutes: raw.timeLimitMinutes,
    summary: raw.summary,
    tasks,
    dir,
    instructions,
    setupScript: join(dir, raw.setup ?? 'setup.sh'),
    solutionScript: join(dir, raw.solution ?? 'solution.sh'),
    ...(raw.touches?.length ? { touches: [...raw.touches] } : {}),
  };
  if (parameters.length === 0) return base;
  // As loaded, a scenario is rendered with its defaults; applyParams renders another run's values.
  const values = defaultParams(parameters);
  return {
    ...base,
    title: renderTemplate(raw.title, values),
    summary: renderTemplate(raw.summary, values),
    instructions: renderTemplate(instructions, values),
    tasks: renderTree(tasks, values),
    parameters,
    values,
    template: { title: raw.title, summary: raw.summary, instructions, tasks },
  };
}

function sortProblems(problems: ScenarioProblem[]): ScenarioProblem[] {
  return [...problems].sort((a, b) => a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}
