import { loadConfig } from '../config/index.js';
import { isAppError } from '../errors.js';
import { loadExams, planExam, seededPick, type ExamDefinition } from '../exams/index.js';
import { createJsonLogger } from '../log/index.js';
import { loadContent } from '../platform/index.js';
import { formatProblem } from '../scenarios/index.js';
import { UsageError, parse } from './args.js';
import type { CliIo } from './io.js';

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
  const plan = (exam: ExamDefinition, seed?: number) =>
    planExam(exam, catalog, { clusterMemoryMiB: config.clusterMemoryMiB, ...(seed !== undefined ? { pick: seededPick(seed) } : {}) });
  if (sub === 'list') {
    const { values } = parse(rest, { json: { type: 'boolean', default: false } }, false);
    const rows = exams.map((e) => {
      try {
        const p = plan(e, 1);
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
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number (got "${values.seed}")`);
    const p = plan(exam, seed);
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
