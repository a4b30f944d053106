/** exams/<id>.yaml → ExamDefinition, with problems that name the file, line and field. */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CURRICULUM, type Domain } from '../scenarios/curriculum.js';
import type { ScenarioCatalog } from '../scenarios/catalog.js';
import type { FieldPath } from '../scenarios/fieldPath.js';
import { ParamError, resolveParams } from '../scenarios/params.js';
import type { ScenarioProblem } from '../scenarios/types.js';
import { parseYamlSource, type YamlSource } from '../scenarios/yamlSource.js';
import type { ExamDefinition, QuestionSpec } from './types.js';

const ID = /^[a-z0-9][a-z0-9-]{0,40}$/;
const KEYS = ['id', 'title', 'description', 'durationMinutes', 'passPercent', 'reviewMinutes', 'maxClusters', 'randomizeParams', 'questions', 'drawByCurriculum'];
const DOMAINS: readonly string[] = CURRICULUM.map((d) => d.domain);

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every exams/*.yaml under `dir`; valid ones sorted by id, next to every problem found. */
export function loadExams(dir: string, catalog: ScenarioCatalog): { exams: ExamDefinition[]; problems: ScenarioProblem[] } {
  const root = resolve(dir);
  let files: string[];
  try {
    files = readdirSync(root).filter((f) => f.endsWith('.yaml')).sort();
  } catch {
    return { exams: [], problems: [] }; // no exams/ folder: no mock exams
  }
  const exams: ExamDefinition[] = [];
  const problems: ScenarioProblem[] = [];
  for (const f of files) {
    const file = join(root, f);
    const source = parseYamlSource(file, readFileSync(file, 'utf8'));
    if (source.syntaxProblems.length > 0) {
      problems.push(...source.syntaxProblems);
      continue;
    }
    const found: ScenarioProblem[] = [];
    const exam = toExam(source, f.replace(/\.yaml$/, ''), catalog, found);
    if (exam && found.length === 0) exams.push(exam);
    problems.push(...found);
  }
  return { exams, problems };
}

function toExam(source: YamlSource, fileId: string, catalog: ScenarioCatalog, out: ScenarioProblem[]): ExamDefinition | undefined {
  const doc = source.value;
  if (!isRec(doc)) {
    out.push(source.problem([], 'an exam is a mapping with id, title, durationMinutes and questions'));
    return undefined;
  }
  const bad = (path: FieldPath, msg: string): void => void out.push(source.problem(path, msg));
  for (const k of Object.keys(doc)) if (!KEYS.includes(k)) bad([k], `unknown field '${k}' (allowed: ${KEYS.join(', ')})`);
  if (typeof doc.id !== 'string' || !ID.test(doc.id)) bad(['id'], 'id is lowercase letters, digits and -, at most 41 characters');
  else if (doc.id !== fileId) bad(['id'], `id '${doc.id}' must equal the file name '${fileId}.yaml'`);
  if (typeof doc.title !== 'string' || doc.title.length === 0 || doc.title.length > 120) bad(['title'], 'title is 1 to 120 characters');
  if (doc.description !== undefined && typeof doc.description !== 'string') bad(['description'], 'description is text');
  const int = (key: string, min: number, max: number, dflt?: number): number => {
    const v = doc[key] ?? dflt;
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) {
      bad([key], `${key} is a whole number from ${min} to ${max}`);
      return min;
    }
    return v as number;
  };
  const durationMinutes = int('durationMinutes', 10, 240);
  const passPercent = int('passPercent', 1, 100, 67);
  const reviewMinutes = int('reviewMinutes', 0, 240, 30);
  const maxClusters = int('maxClusters', 1, 5, 3);
  if (doc.randomizeParams !== undefined && typeof doc.randomizeParams !== 'boolean') bad(['randomizeParams'], 'randomizeParams is true or false');

  const questions: QuestionSpec[] = [];
  let drawByCurriculum: { total: number } | undefined;
  if ((doc.questions === undefined) === (doc.drawByCurriculum === undefined)) {
    bad([], 'an exam has either `questions` (a list) or `drawByCurriculum: { total: N }`, not both and not neither');
  } else if (doc.drawByCurriculum !== undefined) {
    const d = doc.drawByCurriculum;
    if (!isRec(d) || !Number.isInteger(d.total) || (d.total as number) < 1 || (d.total as number) > 30 || Object.keys(d).length !== 1) {
      bad(['drawByCurriculum'], 'drawByCurriculum is { total: N } with N from 1 to 30');
    } else drawByCurriculum = { total: d.total as number };
  } else if (!Array.isArray(doc.questions) || doc.questions.length === 0) {
    bad(['questions'], 'questions is a non-empty list');
  } else {
    const seen = new Map<string, number>();
    doc.questions.forEach((q: unknown, i: number) => {
      const spec = toQuestion(q, ['questions', i], catalog, bad);
      if (!spec) return;
      if ('scenario' in spec) {
        const first = seen.get(spec.scenario);
        if (first !== undefined) bad(['questions', i, 'scenario'], `scenario '${spec.scenario}' is already questions[${first}]`);
        seen.set(spec.scenario, i);
      }
      questions.push(spec);
    });
  }
  return {
    id: String(doc.id),
    title: String(doc.title),
    description: typeof doc.description === 'string' ? doc.description : '',
    durationMinutes,
    passPercent,
    reviewMinutes,
    maxClusters,
    randomizeParams: doc.randomizeParams !== false,
    questions,
    ...(drawByCurriculum ? { drawByCurriculum } : {}),
    file: source.file,
  };
}

function toQuestion(q: unknown, at: FieldPath, catalog: ScenarioCatalog, bad: (path: FieldPath, msg: string) => void): QuestionSpec | undefined {
  if (!isRec(q) || (q.scenario === undefined) === (q.draw === undefined)) {
    bad(at, 'a question is { scenario: <id> } or { draw: { domain: <curriculum domain> } }, with an optional weight');
    return undefined;
  }
  for (const k of Object.keys(q)) if (!['scenario', 'draw', 'weight', 'params'].includes(k)) bad([...at, k], `unknown field '${k}' (allowed: scenario, draw, weight, params)`);
  if (q.weight !== undefined && (!Number.isInteger(q.weight) || (q.weight as number) < 1 || (q.weight as number) > 100)) bad([...at, 'weight'], 'weight is a whole number from 1 to 100');
  const weight = Number.isInteger(q.weight) ? { weight: q.weight as number } : {};
  if (q.draw !== undefined) {
    const domain = isRec(q.draw) ? q.draw.domain : undefined;
    if (typeof domain !== 'string' || !DOMAINS.includes(domain)) {
      bad([...at, 'draw', 'domain'], `draw.domain is one of: ${DOMAINS.join('; ')}`);
      return undefined;
    }
    if (q.params !== undefined) bad([...at, 'params'], 'params go with a named scenario, not a draw');
    return { draw: { domain: domain as Domain }, ...weight };
  }
  const scenario = catalog.get(String(q.scenario));
  if (!scenario) {
    bad([...at, 'scenario'], `unknown scenario '${String(q.scenario)}'`);
    return undefined;
  }
  let params: Record<string, string> | undefined;
  if (q.params !== undefined) {
    if (!isRec(q.params) || !Object.values(q.params).every((v) => typeof v === 'string')) bad([...at, 'params'], 'params maps parameter names to text values');
    else {
      try {
        resolveParams(scenario, q.params as Record<string, string>);
        params = q.params as Record<string, string>;
      } catch (e) {
        if (e instanceof ParamError) bad([...at, 'params', e.field], e.message);
        else throw e;
      }
    }
  }
  return { scenario: scenario.id, ...weight, ...(params ? { params } : {}) };
}
