import { loadConfig } from '../config/index.js';
import { CheckEngine } from '../grading/index.js';
import { createJsonLogger } from '../log/index.js';
import { engineEnv, engineFromEnv } from '../clusters/index.js';
import { buildClusterAdapters, clusterCredentialsDir, loadContent } from '../platform/index.js';
import { ExecRunner } from '../process/index.js';
import { proveScenario, type ProofResult } from '../proving/index.js';
import { newClusterName } from '../sessions/index.js';
import { UsageError, paramFlags, parse, withParams } from './args.js';
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
  });
  const config = loadConfig({}, io.env);
  const logger = createJsonLogger({ level: io.env.CKS_LOG_LEVEL === 'debug' ? 'debug' : 'error', write: (l) => io.err(l + '\n') });
  const { catalog, labs } = loadContent(config, logger);
  const chosen = positionals.length ? positionals.map((id) => catalogGet(catalog, id)) : [...catalog.list()].map((s) => catalogGet(catalog, s.id));
  const scenarios = withParams(chosen, paramFlags(values.param), values.random);
  if (scenarios.length === 0) throw new UsageError(`no scenarios to prove in ${config.scenariosDir}`);
  const { provider, probesFor } = buildClusterAdapters({ runner: new ExecRunner(logger, engineEnv(io.env)), logger, engine: engineFromEnv(io.env), kubeconfigDir: clusterCredentialsDir(config.dataDir) });
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
  const rows = [['scenario', 'after setup', 'after solution', 'result'], ...results.map((r) => [r.scenario, count(r.afterSetup), count(r.afterSolution), r.proven ? 'proven' : 'NOT PROVEN'])];
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
