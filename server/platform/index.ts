import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { KindProvider, WarmPool, clusterCapacity, engineEnv, engineFromEnv, inotifyCapacity, loadLabs, readInotifyLimits, type EngineName } from '../clusters/index.js';
import type { ClusterProvider, Lab } from '../clusters/types.js';
import type { ServerConfig } from '../config/index.js';
import { AppError } from '../errors.js';
import { CheckEngine } from '../grading/index.js';
import type { ClusterProbes } from '../grading/types.js';
import { startHttpServer, type RunningServer } from '../http/server.js';
import { ClientNodeProbes } from '../kube/index.js';
import type { Logger } from '../log/index.js';
import { ExecRunner, type CommandRunner } from '../process/index.js';
import { ScenarioCatalog, formatProblem, loadCatalog } from '../scenarios/index.js';
import { SessionManager, SessionTokens, newClusterName, runSetup } from '../sessions/index.js';
import { SqliteStore } from '../store/index.js';
import { FileTerminalLedger, NodePtyTerminalFactory } from '../terminal/index.js';
import { InstructorAuth, WorkshopManager } from '../workshops/index.js';
import { ExamManager, loadExams } from '../exams/index.js';
import { PlatformMetrics, readiness } from './operator.js';
import { ClientHostKube } from '../clusters/kubernetes/hostKube.js';
import { KubernetesProvider } from '../clusters/kubernetes/kubernetesProvider.js';

/** Cluster-facing adapters built from a runner (see clusterAdaptersFor). */
function buildClusterAdapters(opts: {
  runner: CommandRunner;
  logger: Logger;
  /** Per-cluster kubeconfigs and the credentials captured at creation. */
  kubeconfigDir: string;
  readyTimeoutMs?: number;
  /** CLI only: grade clusters it did not create from `kind get kubeconfig`, reduced to safe credentials. */
  readLiveKubeconfig?: boolean;
  /** docker (default) or podman: the CLI that runs node commands. */
  engine?: EngineName;
}): {
  provider: ClusterProvider;
  probesFor: (cluster: string, kubeconfig: string) => ClusterProbes;
} {
  const provider = new KindProvider({
    runner: opts.runner,
    logger: opts.logger,
    kubeconfigDir: opts.kubeconfigDir,
    ...(opts.readyTimeoutMs !== undefined ? { readyTimeoutMs: opts.readyTimeoutMs } : {}),
    ...(opts.readLiveKubeconfig ? { readLiveKubeconfig: true } : {}),
    ...(opts.engine ? { engine: opts.engine } : {}),
  });
  const probesFor = (cluster: string, kubeconfig: string): ClusterProbes =>
    new ClientNodeProbes({ kubeconfig, logger: opts.logger, nodeExec: (argv: string[], node?: string) => provider.nodeExec(cluster, argv, node ? { node } : {}) });
  return { provider, probesFor };
}

/**
 * The cluster adapters for an environment: kind and the engine CLI run with `env` (told to use
 * Podman when CKS_ENGINE/KIND_EXPERIMENTAL_PROVIDER say so). Used by the server and every CLI
 * command that reaches clusters; `env` is the environment the tools run with, as passed back.
 */
export function clusterAdaptersFor(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  opts: { kubeconfigDir: string; readyTimeoutMs?: number; readLiveKubeconfig?: boolean },
): ReturnType<typeof buildClusterAdapters> & { env: NodeJS.ProcessEnv } {
  const toolEnv = engineEnv(env);
  return { ...buildClusterAdapters({ runner: new ExecRunner(logger, toolEnv), logger, engine: engineFromEnv(toolEnv), ...opts }), env: toolEnv };
}

/** The labs as the pool sees them on Kubernetes: a one-per-host limit is left to the lab pod's anti-affinity. */
function perNodeLimits(labs: Map<string, Lab>): Map<string, Lab> {
  return new Map(
    [...labs].map(([id, lab]) => {
      if (lab.maxClustersPerHost !== 1) return [id, lab];
      const { maxClustersPerHost: _perHost, hostLimitReason: _why, ...rest } = lab;
      return [id, rest];
    }),
  );
}

/** Clusters the platform asks a Kubernetes cluster for at once when CKS_MAX_CLUSTERS is unset. */
const KUBERNETES_DEFAULT_CAPACITY = 500;

/**
 * The `kubernetes` provider: lab pods through the host cluster's API with the platform's own
 * credentials (in-cluster ServiceAccount, or CKS_K8S_KUBECONFIG outside a cluster). Terminals run
 * `kubectl exec` with a kubeconfig naming those same credentials, written once into the data dir.
 */
function kubernetesAdapters(
  config: ServerConfig,
  k8s: Extract<ServerConfig['provider'], { kind: 'kubernetes' }>,
  logger: Logger,
  kubeconfigDir: string,
  env: NodeJS.ProcessEnv,
): { provider: ClusterProvider; probesFor: (cluster: string, kubeconfig: string) => ClusterProbes; env: NodeJS.ProcessEnv } {
  const kube = ClientHostKube.fromEnvironment(k8s.settings.namespace, k8s.kubeconfig);
  const hostKubeconfig = k8s.kubeconfig ?? inClusterKubeconfig(config.dataDir, k8s.settings.namespace, env);
  const provider = new KubernetesProvider({
    kube,
    logger: logger.child({ module: 'kubernetes-provider' }),
    settings: k8s.settings,
    kubeconfigDir,
    readyTimeoutMs: config.readyTimeoutMs,
    kubectl: ['kubectl', '--kubeconfig', hostKubeconfig],
  });
  const probesFor = (cluster: string, kubeconfig: string): ClusterProbes =>
    new ClientNodeProbes({ kubeconfig, logger, nodeExec: (argv: string[], node?: string) => provider.nodeExec(cluster, argv, node ? { node } : {}) });
  return { provider, probesFor, env };
}

/** A kubeconfig for kubectl naming the pod's ServiceAccount token and CA files (read by kubectl at each use). */
function inClusterKubeconfig(dataDir: string, namespace: string, env: NodeJS.ProcessEnv): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  if (!host || !/^[0-9a-fA-F.:]+$|^[a-z0-9.-]+$/.test(host) || !/^\d{1,5}$/.test(port)) {
    throw new AppError('bad_request', 'CKS_PROVIDER=kubernetes outside a Kubernetes pod needs CKS_K8S_KUBECONFIG (the kubeconfig of the cluster that runs lab pods).', { field: 'kubeconfig' });
  }
  const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
  const file = join(dataDir, 'host-cluster.kubeconfig');
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  writeFileSync(
    file,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: host\n  cluster:\n    server: ${server}\n    certificate-authority: ${sa}/ca.crt\ncontexts:\n- name: host\n  context:\n    cluster: host\n    user: platform\n    namespace: ${namespace}\ncurrent-context: host\nusers:\n- name: platform\n  user:\n    tokenFile: ${sa}/token\n`,
    { mode: 0o600 },
  );
  return file;
}

/** Where the kubeconfigs kind writes and the credentials captured at creation live. */
export function clusterCredentialsDir(dataDir: string): string {
  return join(dataDir, 'kubeconfigs');
}

/** Scenarios and labs from disk; broken scenarios are logged and left out of the catalog. */
export function loadContent(config: Pick<ServerConfig, 'scenariosDir' | 'labsDir'>, logger: Logger): { catalog: ScenarioCatalog; labs: Map<string, Lab> } {
  const labs = loadLabs(config.labsDir);
  const { scenarios, problems } = loadCatalog(config.scenariosDir, { labsDir: config.labsDir });
  for (const p of problems) logger.error('scenario problem', { problem: formatProblem(p) });
  return { catalog: new ScenarioCatalog(scenarios), labs };
}

/**
 * Clusters this host holds: CKS_MAX_CLUSTERS, else its memory, capped by the inotify limits kind
 * clusters share (read only when the engine runs on this host: DOCKER_HOST/CONTAINER_HOST local).
 */
function clusterCapacityOfHost(config: ServerConfig, env: NodeJS.ProcessEnv, procDir?: string): { clusters: number; warning: string | null } {
  if (config.maxClusters !== undefined) return { clusters: config.maxClusters, warning: null };
  const byMemory = clusterCapacity(totalmem(), config.clusterMemoryMiB, config.reservedMemoryMiB);
  const remote = [env.DOCKER_HOST, env.CONTAINER_HOST].some((h) => h !== undefined && h !== '' && !h.startsWith('unix://'));
  if (remote) return { clusters: byMemory, warning: null };
  const verdict = inotifyCapacity(readInotifyLimits(procDir), byMemory);
  return { clusters: verdict.clusters === null ? byMemory : Math.max(1, Math.min(byMemory, verdict.clusters)), warning: verdict.warning };
}

/** The token key persisted in the data dir, so session tokens survive restarts. */
function tokenKey(dataDir: string): Buffer {
  const file = join(dataDir, 'session-key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  const key = SessionTokens.randomKey();
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

export interface Platform {
  server: RunningServer;
  workshops: WorkshopManager;
  exams: ExamManager;
  sessions: SessionManager;
  pool: WarmPool;
  close(): Promise<void>;
}

/**
 * The composition root: the only place that builds real adapters and passes them in.
 * `overrides.env` is the environment kind/docker/kubectl run with (default: the server's);
 * `overrides.terminalEnv` adds variables to every terminal (which otherwise get an allowlist).
 */
export async function startPlatform(
  config: ServerConfig,
  logger: Logger,
  overrides: { env?: NodeJS.ProcessEnv; terminalEnv?: Record<string, string>; announce?: (line: string) => void; procDir?: string; examMinuteMs?: number } = {},
): Promise<Platform> {
  mkdirSync(config.dataDir, { recursive: true });
  const kubeconfigDir = clusterCredentialsDir(config.dataDir);
  mkdirSync(kubeconfigDir, { recursive: true, mode: 0o700 });
  const { catalog, labs } = loadContent(config, logger);
  if (catalog.size === 0) throw new AppError('invalid_scenario', `No valid scenarios in ${config.scenariosDir}: run \`cks-lab validate\` to see why.`);
  const store = new SqliteStore(join(config.dataDir, 'cks-lab.db'));
  const { provider, probesFor, env: toolEnv } =
    config.provider.kind === 'kubernetes'
      ? kubernetesAdapters(config, config.provider, logger, kubeconfigDir, overrides.env ?? process.env)
      : clusterAdaptersFor(overrides.env ?? process.env, logger, { kubeconfigDir, readyTimeoutMs: config.readyTimeoutMs });
  // On Kubernetes the cluster schedules and queues lab pods (Pending): no host-derived cap.
  const hostCapacity = config.provider.kind === 'kubernetes' ? { clusters: config.maxClusters ?? KUBERNETES_DEFAULT_CAPACITY, warning: null } : clusterCapacityOfHost(config, toolEnv, overrides.procDir);
  if (hostCapacity.warning) logger.warn('cluster capacity capped by the host', { problem: hostCapacity.warning });
  // Terminals a killed server left running are ended before any new one opens.
  const ledger = new FileTerminalLedger({ dir: join(config.dataDir, 'terminals'), logger });
  await ledger.reapOrphans();
  const terminals = new NodePtyTerminalFactory({ logger, graceMs: config.terminalGraceMs, env: overrides.terminalEnv ?? {}, ledger });
  const pool = new WarmPool({
    provider,
    store,
    // On Kubernetes a one-per-host lab is one per node (the lab pod's anti-affinity), not platform-wide.
    labs: config.provider.kind === 'kubernetes' ? perNodeLimits(labs) : labs,
    logger: logger.child({ module: 'pool' }),
    capacity: hostCapacity.clusters,
    maxConcurrentCreates: config.maxConcurrentProvisioning,
    newName: () => newClusterName(config.clusterPrefix),
    inUse: () => store.listSessions({ states: ['provisioning', 'ready'] }).length,
    sessionsOf: (lab) => store.listSessions({ states: ['provisioning', 'ready'] }).filter((s) => catalog.get(s.scenarioId)?.lab === lab).length,
    prepare: (cluster, scenarioId) => runSetup(provider, cluster, catalog.require(scenarioId), config.setupTimeoutMs),
  });
  const sessions = new SessionManager({
    logger,
    store,
    provider,
    pool,
    catalog,
    labs,
    grader: new CheckEngine({ logger }),
    terminals,
    probesFor,
    tokenKey: tokenKey(config.dataDir),
    settings: {
      clusterPrefix: config.clusterPrefix,
      idleTimeoutMs: config.idleTimeoutMs,
      reapIntervalMs: Math.min(60_000, Math.max(1000, config.idleTimeoutMs / 4)),
      terminalGraceMs: config.terminalGraceMs,
      maxActiveSessions: config.maxActiveSessions,
      maxActiveSessionsPerLearner: config.maxActiveSessionsPerLearner,
      setupTimeoutMs: config.setupTimeoutMs,
      autoCheckIntervalMs: config.autoCheckIntervalMs,
    },
  });
  const preflight = await provider.preflight();
  if (preflight) logger.warn('cluster tools are not ready; labs cannot start until this is fixed', { problem: preflight });
  else await sessions.reconcile().catch((e: unknown) => logger.error('reconcile failed', { err: e }));
  sessions.startReaper();
  for (const [name, count] of config.warmPool) {
    // A lab id keeps plain clusters warm; a scenario id keeps clusters with its setup already done.
    const scenario = labs.has(name) ? undefined : catalog.get(name);
    if (!labs.has(name) && !scenario) {
      logger.error('CKS_WARM_POOL names neither a lab nor a scenario', { name });
      continue;
    }
    const r = scenario ? pool.setTarget(scenario.lab, count, scenario.id) : pool.setTarget(name, count);
    if (r.message) logger.warn('warm pool limited by capacity', { name, message: r.message });
  }
  const { auth, generated } = InstructorAuth.init(store, config.instructorToken);
  if (generated) overrides.announce?.(`Instructor token (shown once; only its hash is stored): ${generated}`);
  let publicUrl = config.publicUrl ?? '';
  const { exams: examDefinitions, problems: examProblems } = loadExams(config.examsDir, catalog);
  for (const p of examProblems) logger.error('exam problem', { problem: formatProblem(p) });
  const exams = new ExamManager({ store: store.exams, provider, sessions, catalog, exams: () => examDefinitions, logger: logger.child({ module: 'exams' }),
    clusterMemoryMiB: config.clusterMemoryMiB,
    ...(overrides.examMinuteMs ? { minuteMs: overrides.examMinuteMs } : {}),
  });
  const workshops = new WorkshopManager({ store, sessions, catalog, labs, pool, logger, publicUrl: () => publicUrl, exams });
  const metrics = new PlatformMetrics();
  const server = await startHttpServer(
    {
      logger,
      catalog,
      sessions,
      store,
      webDir: config.webDir,
      secureCookies: config.secureCookies,
      publicUrl: config.publicUrl,
      metricsToken: config.metricsToken,
      sourceMaps: !config.production,
      checkLimit: config.checkLimit,
      workshops: { manager: workshops, auth },
      exams,
      labNodes: (lab: string) => labs.get(lab)?.nodes ?? ['control-plane'],
      ...(overrides.examMinuteMs ? { examMinuteMs: overrides.examMinuteMs } : {}),
      operator: {
        metrics: async () => {
          await metrics.refresh();
          return metrics.registry.render();
        },
        ready: readiness(store, provider, { warnings: () => (hostCapacity.warning ? [hostCapacity.warning] : []) }),
      },
    },
    config,
  );
  publicUrl ||= server.url;
  metrics.attach({ sessions, pool, store, provider });
  workshops.resume();
  exams.resume();
  return {
    server,
    sessions,
    pool,
    workshops,
    exams,
    close: async () => {
      exams.dispose();
      workshops.dispose();
      await server.close();
      pool.dispose();
      sessions.dispose();
      store.close();
    },
  };
}
