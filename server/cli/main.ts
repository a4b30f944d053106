import { loadConfig } from '../config/index.js';
import { isAppError } from '../errors.js';
import { createJsonLogger } from '../log/index.js';
import { clusterAdaptersFor, clusterCredentialsDir, loadContent, startPlatform } from '../platform/index.js';
import { assertName } from '../process/index.js';
import { formatProblem, loadCatalog, loadScenario, ScenarioCatalog, type Scenario, type ScenarioProblem } from '../scenarios/index.js';
import { loadExams } from '../exams/index.js';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { inspectLabs } from '../clusters/labs.js';
import { USAGE, UsageError, parse } from './args.js';
import { examsCommand } from './exams.js';
import { gradeCommand } from './grade.js';
import { proveCommand } from './prove.js';
import { newCommand } from './scaffold.js';
import { processIo, type CliIo } from './io.js';

/** Entry of the `cks-lab` bin. Returns the exit code; errors become one line on stderr and code 2. */
export async function main(argv: string[], io: CliIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError || isAppError(e)) {
      io.err(`cks-lab: ${e.message}\n`);
      return 2;
    }
    // One line, never a stack trace or a multi-line parser excerpt.
    const message = (e instanceof Error ? e.message : String(e)).trim().split('\n')[0];
    io.err(`cks-lab: unexpected error: ${message}\n`);
    return 2;
  }
}

async function dispatch(argv: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve':
      return serve(rest, io);
    case 'grade':
      return gradeCommand(rest, io);
    case 'scenarios':
      return scenarios(rest, io);
    case 'validate':
      return validate(rest, io);
    case 'clusters':
      return clusters(rest, io);
    case 'prove':
      return proveCommand(rest, io);
    case 'new':
      return newCommand(rest, io);
    case 'exams':
      return examsCommand(rest, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      io.out(USAGE + '\n');
      return cmd === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${cmd}"\n${USAGE}`);
  }
}

async function serve(args: string[], io: CliIo): Promise<number> {
  const { values } = parse(args, { port: { type: 'string' }, host: { type: 'string' }, 'data-dir': { type: 'string' }, 'instructor-token': { type: 'string' } }, false);
  const config = loadConfig(
    { ...(values.port !== undefined ? { port: values.port } : {}), ...(values.host !== undefined ? { host: values.host } : {}), ...(values['data-dir'] !== undefined ? { dataDir: values['data-dir'] } : {}), ...(values['instructor-token'] !== undefined ? { instructorToken: values['instructor-token'] } : {}) },
    io.env,
  );
  const logger = createJsonLogger({ level: config.logLevel });
  const platform = await startPlatform(config, logger, { announce: (line) => io.err(line + '\n') });
  io.err(`CKS Lab is running at ${platform.server.url} (data in ${config.dataDir})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      logger.info('shutting down');
      void platform.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}

function scenarios(args: string[], io: CliIo): number {
  const [sub, ...rest] = args;
  if (sub !== 'list') throw new UsageError('usage: cks-lab scenarios list [--json]');
  const { values } = parse(rest, { json: { type: 'boolean', default: false } }, false);
  const config = loadConfig({}, io.env);
  const { catalog } = loadContent(config, createJsonLogger({ level: 'error', write: (l) => io.err(l + '\n') }));
  const list = catalog.list();
  if (values.json) io.out(JSON.stringify({ scenarios: list }, null, 2) + '\n');
  else for (const s of list) io.out(`${s.id.padEnd(24)} ${s.difficulty.padEnd(7)} ${String(s.timeLimitMinutes).padStart(3)} min  ${s.domain} — ${s.title}\n`);
  return 0;
}

function validate(args: string[], io: CliIo): number {
  const { positionals } = parse(args, {});
  const config = loadConfig({}, io.env);
  const dir = positionals[0] ?? config.scenariosDir;
  // One scenario's folder (it holds scenario.yaml) is validated on its own; any other folder holds scenarios.
  const single = existsSync(join(dir, 'scenario.yaml'));
  const { scenarios: ok, problems: scenarioProblems } = single ? oneScenario(dir, config.labsDir) : loadCatalog(dir, { labsDir: config.labsDir });
  const { labs, problems: labProblems } = inspectLabs(config.labsDir);
  // The mock exams name the repo's scenarios: checked with them, not with another folder's.
  const exams = resolve(dir) === resolve(config.scenariosDir) ? loadExams(config.examsDir, new ScenarioCatalog(ok)) : undefined;
  const problems = [...labProblems, ...scenarioProblems, ...(exams?.problems ?? [])];
  for (const p of problems) io.err(formatProblem(p) + '\n');
  const counted = exams ? `${ok.length} scenario(s), ${labs.size} lab(s) and ${exams.exams.length} exam(s)` : `${ok.length} scenario(s) and ${labs.size} lab(s)`;
  io.out(`${counted} valid, ${problems.length} problem(s)\n`);
  return problems.length === 0 ? 0 : 1;
}

function oneScenario(dir: string, labsDir: string): { scenarios: Scenario[]; problems: ScenarioProblem[] } {
  const r = loadScenario(dir, { labsDir });
  return { scenarios: r.scenario ? [r.scenario] : [], problems: r.problems ?? [] };
}

async function clusters(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const config = loadConfig({}, io.env);
  const logger = createJsonLogger({ level: 'error', write: (l) => io.err(l + '\n') });
  const { provider } = clusterAdaptersFor(io.env, logger, { kubeconfigDir: clusterCredentialsDir(config.dataDir), readLiveKubeconfig: true });
  if (sub === 'list') {
    for (const name of await provider.list()) io.out(name + '\n');
    return 0;
  }
  if (sub === 'delete') {
    const { positionals } = parse(rest, {});
    await provider.delete(assertName(positionals[0], 'cluster name'));
    return 0;
  }
  if (sub === 'create') {
    const { values, positionals } = parse(rest, { lab: { type: 'string' } });
    const name = assertName(positionals[0], 'cluster name');
    const { labs } = loadContent(config, logger);
    const lab = labs.get(values.lab ?? '');
    if (!lab) throw new UsageError(`--lab must be one of: ${[...labs.keys()].join(', ')}`);
    await provider.create(name, lab, (p) => io.err(`${p.state === 'done' ? '✓' : p.state === 'failed' ? '✗' : '•'} ${p.detail ?? p.step}\n`));
    io.out(`${name}\n`);
    return 0;
  }
  throw new UsageError('usage: cks-lab clusters list | create <name> --lab <lab> | delete <name>');
}
