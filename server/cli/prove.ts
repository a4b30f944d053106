import { loadConfig } from '../config/index.js';
import { CheckEngine } from '../grading/index.js';
import { createJsonLogger } from '../log/index.js';
import { clusterAdaptersFor, clusterCredentialsDir, loadContent } from '../platform/index.js';
import { proveScenario, type ProofResult } from '../proving/index.js';
import { newClusterName } from '../sessions/index.js';
import type { Lab } from '../clusters/types.js';
import { loadExams } from '../exams/index.js';
import type { Logger } from '../log/index.js';
import { proveExam } from '../proving/exam.js';
import { formatProblem, type ScenarioCatalog } from '../scenarios/index.js';
import { UsageError, paramFlags, parse, withParams } from './args.js';
import { planWithSeed } from './exams.js';
import type { CliIo } from './io.js';

/**
 * `cks-lab prove [scenario…] [--keep]`: the author's gate. For each scenario: a fresh cluster from
 * its lab, setup, grade (every task must fail), reference solution, grade (every task must pass),
 * delete. Exit 0 when all are proven, 1 when any is not, 2 when it could not run.
 */
export async function proveCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    keep: { type: 'boolean', default: false },
    param: { type: 'string', multiple: true },
    random: { type: 'boolean', default: false },
    exam: { type: 'string' },
    seed: { type: 'string' },
  });
  const config = loadConfig({}, io.env);
  const logger = createJsonLogger({ level: io.env.CKS_LOG_LEVEL === 'debug' ? 'debug' : 'error', write: (l) => io.err(l + '\n') });
  const { catalog, labs } = loadContent(config, logger);
  if (values.exam !== undefined) return proveExamCommand(values.exam, values.seed, positionals, { config, catalog, labs, logger, io, keep: values.keep });
  const chosen = positionals.length ? positionals.map((id) => catalogGet(catalog, id)) : [...catalog.list()].map((s) => catalogGet(catalog, s.id));
  const scenarios = withParams(chosen, paramFlags(values.param), values.random);
  if (scenarios.length === 0) throw new UsageError(`no scenarios to prove in ${config.scenariosDir}`);
  const { provider, probesFor } = clusterAdaptersFor(io.env, logger, { kubeconfigDir: clusterCredentialsDir(config.dataDir) });
  const problem = await provider.preflight();
  if (problem) throw new UsageError(problem);
  const grader = new CheckEngine({ logger, defaultTimeoutMs: 30_000 });

  const results: ProofResult[] = [];
  for (const scenario of scenarios) {
    const lab = labs.get(scenario.lab);
    if (!lab) throw new UsageError(`scenario ${scenario.id} needs lab "${scenario.lab}", which does not exist`);
    const shown = Object.entries(scenario.values ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
    io.err(`${scenario.id}: proving on a fresh "${lab.id}" cluster${shown ? ` with ${shown}` : ''}\n`);
    const result = await proveScenario(scenario, lab, newClusterName('cks-prove-'), {
      provider,
      probesFor,
      grader,
      keep: values.keep,
      onProgress: (p) => {
        if (p.state !== 'started') io.err(`  ${p.state === 'done' ? '✓' : '✗'} ${p.step}${p.detail && p.state === 'failed' ? `: ${p.detail}` : ''}\n`);
      },
    });
    results.push(result);
    io.err(`  ${result.proven ? '✓ proven' : '✗ NOT proven'}\n`);
  }
  io.out(table(results));
  return results.every((r) => r.proven) ? 0 : 1;
}

/** `cks-lab prove --exam <id> [--seed N]`: every question of one attempt, on the exam's own cluster layout. */
async function proveExamCommand(
  examId: string,
  seedFlag: string | undefined,
  positionals: string[],
  ctx: { config: ReturnType<typeof loadConfig>; catalog: ScenarioCatalog; labs: Map<string, Lab>; logger: Logger; io: CliIo; keep: boolean },
): Promise<number> {
  const { config, catalog, labs, logger, io } = ctx;
  if (positionals.length > 0) throw new UsageError('prove --exam proves the questions of that exam: give no scenario ids with it');
  const { exams, problems } = loadExams(config.examsDir, catalog);
  const exam = exams.find((e) => e.id === examId);
  if (!exam) {
    const why = problems.find((p) => p.file.endsWith(`${examId}.yaml`));
    throw new UsageError(why ? formatProblem(why) : `--exam: no exam "${examId}" in ${config.examsDir} (exams: ${exams.map((e) => e.id).join(', ') || 'none'})`);
  }
  const plan = planWithSeed(exam, catalog, config.clusterMemoryMiB, seedFlag);
  const { provider, probesFor } = clusterAdaptersFor(io.env, logger, { kubeconfigDir: clusterCredentialsDir(config.dataDir) });
  const problem = await provider.preflight();
  if (problem) throw new UsageError(problem);
  const run = newClusterName('cks-exam-').slice(0, 20);
  io.err(`${exam.id}: ${plan.questions.length} questions on ${plan.clusters.length} cluster(s): ${plan.clusters.map((c) => `${c.name} (${c.lab}: ${c.questions.join(', ')})`).join('; ')}\n`);
  const results = await proveExam(plan, catalog, labs, {
    provider,
    probesFor,
    grader: new CheckEngine({ logger, defaultTimeoutMs: 30_000 }),
    keep: ctx.keep,
    clusterName: (planned) => `${run}-${planned}`,
  });
  for (const r of results) io.err(`  ${r.proven ? '✓ proven' : '✗ NOT proven'} ${r.scenario}\n`);
  io.out(table(results));
  return results.every((r) => r.proven) ? 0 : 1;
}

function catalogGet(catalog: ReturnType<typeof loadContent>['catalog'], id: string) {
  try {
    return catalog.require(id);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function count(r: ProofResult['afterSetup']): string {
  if (!r) return '-';
  return `${r.tasks.filter((t) => t.passed).length}/${r.tasks.length} passed`;
}

/** The summary: one row per scenario, then what is wrong with each one that is not proven. */
function table(results: ProofResult[]): string {
  const rows = [[results.some((r) => / on cks\d+$/.test(r.scenario)) ? 'question' : 'scenario', 'after setup', 'after solution', 'result'], ...results.map((r) => [r.scenario, count(r.afterSetup), count(r.afterSolution), r.proven ? 'proven' : 'NOT PROVEN'])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const r of results.filter((x) => !x.proven)) {
    if (r.error) lines.push(`${r.scenario}: could not prove: ${r.error}`);
    for (const id of r.passedAfterSetup) lines.push(`${r.scenario}: task ${id} already passes right after setup (its checks do not prove the learner's work)`);
    for (const id of r.failedAfterSolution) {
      const task = r.afterSolution?.tasks.find((t) => t.id === id);
      const bad = task?.checks.find((c) => c.status !== 'pass');
      lines.push(`${r.scenario}: task ${id} fails after the reference solution${bad ? `: ${bad.message} (expected ${bad.expected || '-'}, found ${bad.actual || '-'})` : ''}`);
    }
  }
  return lines.join('\n') + '\n';
}
