import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { AppError, isAppError } from '../errors.js';
import { CheckEngine, formatText, toGradeJson } from '../grading/index.js';
import { ProbeError, type GradeResult } from '../grading/types.js';
import type { ClusterProvider } from '../clusters/types.js';
import { createJsonLogger } from '../log/index.js';
import { clusterAdaptersFor, clusterCredentialsDir, loadContent } from '../platform/index.js';
import { assertName } from '../process/index.js';
import { UsageError, paramFlags, parse, withParams } from './args.js';
import type { CliIo } from './io.js';
import { toJunit } from './junit.js';

const FORMATS = ['text', 'json', 'junit'] as const;
type Format = (typeof FORMATS)[number];

/** `cks-lab grade <scenario…> --cluster NAME`: 0 all passed, 1 a task failed, 2 could not grade. */
export async function gradeCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, {
    cluster: { type: 'string' },
    kubeconfig: { type: 'string' },
    format: { type: 'string', default: 'text' },
    output: { type: 'string' },
    param: { type: 'string', multiple: true },
  });
  if (positionals.length === 0) throw new UsageError('grade needs a scenario id, e.g. `cks-lab grade init-containers --cluster my-cluster`');
  if (!values.cluster) throw new UsageError('grade needs --cluster <kind-cluster-name>');
  const cluster = assertCli(() => assertName(values.cluster, '--cluster'));
  const format = values.format as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${values.format}")`);
  if (values.output !== undefined) {
    const dir = dirname(resolve(values.output));
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`--output ${values.output}: directory ${dir} does not exist`);
  }
  let kubeconfigText: string | undefined;
  if (values.kubeconfig !== undefined) {
    if (!existsSync(values.kubeconfig)) throw new UsageError(`--kubeconfig ${values.kubeconfig}: no such file`);
    if (!statSync(values.kubeconfig).isFile()) throw new UsageError(`--kubeconfig ${values.kubeconfig}: not a file`);
    kubeconfigText = readFileSync(values.kubeconfig, 'utf8');
  }

  const logger = createJsonLogger({ level: io.env.CKS_LOG_LEVEL === 'debug' ? 'debug' : 'error', write: (l) => io.err(l + '\n') });
  const config = loadConfig({}, io.env);
  const { catalog } = loadContent(config, createJsonLogger({ level: 'error', write: () => undefined }));
  const scenarios = withParams(
    positionals.map((id) => assertCli(() => catalog.require(id))),
    paramFlags(values.param),
  );
  const { provider, probesFor } = clusterAdaptersFor(io.env, logger, { kubeconfigDir: clusterCredentialsDir(config.dataDir), readLiveKubeconfig: true });
  const kubeconfig = kubeconfigText ?? (await kindKubeconfig(provider, cluster));
  let probes: ReturnType<typeof probesFor>;
  try {
    probes = probesFor(cluster, kubeconfig);
  } catch (e) {
    const source = values.kubeconfig !== undefined ? `--kubeconfig ${values.kubeconfig}` : `the kubeconfig kind printed for cluster "${cluster}"`;
    throw new UsageError(`${source} is not a usable kubeconfig: ${firstLine(e instanceof Error ? e.message : String(e))}`);
  }
  try {
    await probes.getObject({ apiVersion: 'v1', kind: 'Namespace', name: 'default' });
  } catch (e) {
    throw new AppError('cluster_unreachable', `cannot reach cluster "${cluster}": ${e instanceof ProbeError || e instanceof Error ? e.message : String(e)}`);
  }
  const engine = new CheckEngine({ logger });
  const results: GradeResult[] = [];
  for (const s of scenarios) results.push(await engine.grade(s, probes));

  const report = render(results, format, io.isTty && values.output === undefined);
  if (values.output !== undefined) writeFileSync(values.output, report);
  else io.out(report);
  return results.every((r) => r.passed) ? 0 : 1;
}

function render(results: GradeResult[], format: Format, color: boolean): string {
  if (format === 'junit') return toJunit(results);
  if (format === 'json') {
    const json = results.map(toGradeJson);
    return JSON.stringify(json.length === 1 ? json[0] : json, null, 2) + '\n';
  }
  return results.map((r) => formatText(r, { color })).join('\n');
}

/**
 * `kind get kubeconfig`, with a plain answer when the cluster simply does not exist (kind's own
 * error for that case reads like a failed create).
 */
async function kindKubeconfig(provider: ClusterProvider, cluster: string): Promise<string> {
  try {
    return await provider.kubeconfig(cluster);
  } catch (e) {
    if (!isAppError(e) || e.code !== 'cluster_unreachable') throw e;
    const names = await provider.list().catch(() => null);
    if (names && !names.includes(cluster)) {
      throw new AppError(
        'not_found',
        `kind cluster "${cluster}" does not exist (kind get clusters: ${names.length ? names.join(', ') : 'none'}). Create it with \`cks-lab clusters create ${cluster} --lab default\`, or pass --kubeconfig FILE.`,
      );
    }
    throw e;
  }
}

function firstLine(s: string): string {
  return s.trim().split('\n')[0] ?? '';
}

function assertCli<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isAppError(e)) throw new UsageError(e.message);
    throw e;
  }
}
