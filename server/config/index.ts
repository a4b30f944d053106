import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppError } from '../errors.js';
import type { LogLevel } from '../log/index.js';
import { kubernetesSettings, type KubernetesProviderConfig } from '../clusters/kubernetes/settings.js';

/** Everything the server reads from flags and environment, typed once. */
export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  scenariosDir: string;
  labsDir: string;
  /** Mock exams (exams/<id>.yaml). */
  examsDir: string;
  webDir: string;
  logLevel: LogLevel;
  clusterPrefix: string;
  idleTimeoutMs: number;
  terminalGraceMs: number;
  maxConcurrentProvisioning: number;
  /** Most clusters at once; undefined = derived from memory. */
  maxClusters: number | undefined;
  clusterMemoryMiB: number;
  reservedMemoryMiB: number;
  /** Warm clusters to keep ready per lab (CKS_WARM_POOL="default=2,gvisor=1"). */
  warmPool: Map<string, number>;
  maxActiveSessions: number;
  maxActiveSessionsPerLearner: number;
  readyTimeoutMs: number;
  setupTimeoutMs: number;
  secureCookies: boolean;
  /** Instructor credential (CKS_INSTRUCTOR_TOKEN / --instructor-token); generated at first start when absent. */
  instructorToken: string | undefined;
  /** Base URL learners reach this server at, for join links (CKS_PUBLIC_URL); default http://host:port. */
  publicUrl: string | undefined;
  /** Bearer token /metrics asks for (CKS_METRICS_TOKEN); undefined = open, like /api/health. */
  metricsToken: string | undefined;
  /** Checks per session: `burst` in a row, refilled at `perMinute` (CKS_CHECK_BURST, CKS_CHECKS_PER_MINUTE; 0 = no limit). */
  checkLimit: { burst: number; perMinute: number };
  /** How often labs with live auto-check on are graded (CKS_AUTO_CHECK_SECONDS). */
  autoCheckIntervalMs: number;
  /** NODE_ENV=production: the web bundle's source maps are not served. */
  production: boolean;
  /**
   * What runs learner clusters (CKS_PROVIDER): `docker` — kind on this host's engine (default) — or
   * `kubernetes` — one Docker-in-Docker lab pod per cluster on an existing Kubernetes cluster.
   */
  provider: { kind: 'docker' } | ({ kind: 'kubernetes' } & KubernetesProviderConfig);
}

/** The package root (holds package.json), found from this file whether run from dist/ or via tsx. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scenarios'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

function num(env: NodeJS.ProcessEnv, key: string, fallback: number, field: string): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new AppError('bad_request', `${key} (${field}) must be a non-negative number, got "${raw}"`, { field });
  return n;
}

/** Defaults ◂ environment (CKS_*) ◂ flags. */
export function loadConfig(
  flags: { port?: string; host?: string; dataDir?: string; instructorToken?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): ServerConfig {
  const root = packageRoot();
  const port = Number(flags.port ?? env.CKS_PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AppError('bad_request', `--port must be a whole number from 0 to 65535, got "${flags.port ?? env.CKS_PORT}"`, { field: 'port' });
  }
  const level = (env.CKS_LOG_LEVEL ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level)) throw new AppError('bad_request', 'CKS_LOG_LEVEL must be debug, info, warn or error', { field: 'logLevel' });
  return {
    port,
    host: flags.host ?? env.CKS_HOST ?? '127.0.0.1',
    dataDir: resolve(flags.dataDir ?? env.CKS_DATA_DIR ?? join(root, 'data')),
    scenariosDir: resolve(env.CKS_SCENARIOS_DIR ?? join(root, 'scenarios')),
    labsDir: resolve(env.CKS_LABS_DIR ?? join(root, 'labs')),
    examsDir: resolve(env.CKS_EXAMS_DIR ?? join(root, 'exams')),
    webDir: join(root, 'web'),
    logLevel: level,
    clusterPrefix: 'cks-',
    idleTimeoutMs: num(env, 'CKS_IDLE_MINUTES', 60, 'idle timeout') * 60_000,
    terminalGraceMs: num(env, 'CKS_TERMINAL_GRACE_SECONDS', 300, 'terminal grace') * 1000,
    maxConcurrentProvisioning: Math.max(1, num(env, 'CKS_MAX_PROVISIONING', 2, 'concurrent provisioning')),
    maxActiveSessions: Math.max(1, num(env, 'CKS_MAX_SESSIONS', 40, 'active sessions')),
    maxClusters: env.CKS_MAX_CLUSTERS ? Math.max(1, num(env, 'CKS_MAX_CLUSTERS', 1, 'cluster capacity')) : undefined,
    clusterMemoryMiB: Math.max(256, num(env, 'CKS_CLUSTER_MEMORY_MB', 1024, 'memory per cluster')),
    reservedMemoryMiB: num(env, 'CKS_RESERVED_MEMORY_MB', 2048, 'memory kept for the host'),
    warmPool: parseWarmPool(env.CKS_WARM_POOL),
    maxActiveSessionsPerLearner: Math.max(1, num(env, 'CKS_MAX_SESSIONS_PER_LEARNER', 2, 'sessions per learner')),
    readyTimeoutMs: num(env, 'CKS_READY_TIMEOUT_SECONDS', 180, 'node ready timeout') * 1000,
    setupTimeoutMs: num(env, 'CKS_SETUP_TIMEOUT_SECONDS', 300, 'setup timeout') * 1000,
    secureCookies: env.CKS_SECURE_COOKIES === '1',
    instructorToken: instructorToken(flags.instructorToken ?? env.CKS_INSTRUCTOR_TOKEN),
    publicUrl: env.CKS_PUBLIC_URL ? env.CKS_PUBLIC_URL.replace(/\/+$/, '') : undefined,
    metricsToken: env.CKS_METRICS_TOKEN ? env.CKS_METRICS_TOKEN : undefined,
    checkLimit: {
      burst: Math.max(1, num(env, 'CKS_CHECK_BURST', 5, 'checks in a row')),
      perMinute: num(env, 'CKS_CHECKS_PER_MINUTE', 6, 'checks per minute'),
    },
    autoCheckIntervalMs: Math.max(5, num(env, 'CKS_AUTO_CHECK_SECONDS', 20, 'live auto-check interval')) * 1000,
    production: env.NODE_ENV === 'production',
    provider: providerConfig(env),
  };
}

function providerConfig(env: NodeJS.ProcessEnv): ServerConfig['provider'] {
  const kind = env.CKS_PROVIDER ?? 'docker';
  if (kind === 'docker') return { kind: 'docker' };
  if (kind !== 'kubernetes') throw new AppError('bad_request', `CKS_PROVIDER must be docker (kind on this host) or kubernetes (lab pods on a Kubernetes cluster), got "${kind.slice(0, 40)}"`, { field: 'provider' });
  return { kind: 'kubernetes', ...kubernetesSettings(env, Math.max(256, num(env, 'CKS_CLUSTER_MEMORY_MB', 1024, 'memory per cluster'))) };
}

/** "default=2,gvisor=1" → Map; a bare number means the default lab. */
function parseWarmPool(raw: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of (raw ?? '').split(',').map((p) => p.trim()).filter(Boolean)) {
    const [lab, count] = part.includes('=') ? part.split('=') : ['default', part];
    const n = Number(count);
    if (!lab || !Number.isInteger(n) || n < 0) throw new AppError('bad_request', `CKS_WARM_POOL must look like "default=2,gvisor=1" (got "${raw}")`, { field: 'warmPool' });
    out.set(lab.trim(), n);
  }
  return out;
}

function instructorToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 12) throw new AppError('bad_request', 'The instructor token (CKS_INSTRUCTOR_TOKEN / --instructor-token) must be at least 12 characters.', { field: 'instructorToken' });
  return raw;
}
