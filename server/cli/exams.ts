import { loadConfig } from '../config/index.js';
import { isAppError } from '../errors.js';
import { loadExams, planExam, seededPick, type ExamDefinition, type ExamPlan } from '../exams/index.js';
import { createJsonLogger } from '../log/index.js';
import { loadContent } from '../platform/index.js';
import { formatProblem, type ScenarioCatalog } from '../scenarios/index.js';
import { UsageError, parse } from './args.js';
import type { CliIo } from './io.js';

/** One attempt's plan; `--seed N` (a whole number) makes the draw reproducible, none draws at random. */
export function planWithSeed(exam: ExamDefinition, catalog: ScenarioCatalog, clusterMemoryMiB: number, seedFlag: string | undefined): ExamPlan {
  const seed = seedFlag === undefined ? undefined : Number(seedFlag);
  if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number (got "${seedFlag}")`);
  return planExam(exam, catalog, { clusterMemoryMiB, ...(seed !== undefined ? { pick: seededPick(seed) } : {}) });
}

/**
 * `cks-lab exams list [--json]` — the mock exams and whether this catalog can fill them;
 * `cks-lab exams plan <id> [--seed N] [--json]` — one attempt's questions, clusters and memory.
 */
export async function examsCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const config = loadConfig({}, io.env);
  const { catalog } = loadContent(config, createJsonLogger({ level: 'error', write: () => undefined }));
  const { exams, problems } = loadExams(config.examsDir, catalog);
  for (const p of problems) io.err(`${formatProblem(p)}\n`);
  const plan = (exam: ExamDefinition, seed?: string) => planWithSeed(exam, catalog, config.clusterMemoryMiB, seed);
  if (sub === 'list') {
    const { values } = parse(rest, { json: { type: 'boolean', default: false } }, false);
    const rows = exams.map((e) => {
      try {
        const p = plan(e, '1');
        return { id: e.id, title: e.title, durationMinutes: e.durationMinutes, passPercent: e.passPercent, questions: p.questions.length, clusters: p.clusters.length, memoryMiB: p.memoryMiB };
      } catch (err) {
        if (!isAppError(err)) throw err;
        return { id: e.id, title: e.title, durationMinutes: e.durationMinutes, passPercent: e.passPercent, unavailable: err.message };
      }
    });
    if (values.json) io.out(JSON.stringify({ exams: rows }, null, 2) + '\n');
    else
      for (const r of rows)
        io.out('unavailable' in r ? `${r.id}\tunavailable: ${r.unavailable}\n` : `${r.id}\t${r.questions} questions, ${r.durationMinutes} min, pass ${r.passPercent}%, ${r.clusters} cluster(s), ~${r.memoryMiB} MiB\t${r.title}\n`);
    return problems.length > 0 ? 1 : 0;
  }
  if (sub === 'plan') {
    const { values, positionals } = parse(rest, { seed: { type: 'string' }, json: { type: 'boolean', default: false } });
    const exam = exams.find((e) => e.id === positionals[0]);
    if (!exam) throw new UsageError(`exams plan needs the id of an exam: ${exams.map((e) => e.id).join(', ') || '(none in ' + config.examsDir + ')'}`);
    const p = plan(exam, values.seed);
    if (values.json) {
      io.out(JSON.stringify(p, null, 2) + '\n');
      return 0;
    }
    io.out(`${exam.title}: ${p.questions.length} questions, ${exam.durationMinutes} min, pass ${exam.passPercent}%, ${p.clusters.length} cluster(s), ~${p.memoryMiB} MiB\n`);
    for (const q of p.questions) {
      const params = Object.entries(q.params).map(([k, v]) => `${k}=${v}`).join(' ');
      io.out(`  ${q.number}. ${q.scenarioId} (${q.domain}, ${q.weight} points) on ${q.cluster}${params ? ` — ${params}` : ''}\n`);
    }
    for (const c of p.clusters) io.out(`  ${c.name}: lab ${c.lab}${c.touches.length ? `, changes ${c.touches.join(', ')}` : ''}\n`);
    return 0;
  }
  throw new UsageError('exams needs a subcommand: `cks-lab exams list [--json]` or `cks-lab exams plan <id> [--seed N] [--json]`');
}
