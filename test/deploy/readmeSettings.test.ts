/**
 * The README's settings table says what the code does: every environment variable the config
 * reads has a row, and each row's default is the one loadConfig() applies.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, packageRoot, type ServerConfig } from '../../server/config/index.js';

const ROOT = packageRoot();

/** `name → default cell` from the README table (a row may list several names and defaults). */
function readmeDefaults(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('| environment variable | meaning | default |');
  assert.ok(start >= 0, 'README has the settings table');
  const rows = readme.slice(start).split('\n').slice(2);
  const out = new Map<string, string>();
  for (const row of rows) {
    if (!row.startsWith('|')) break;
    const cells = row.split(' | ').map((c) => c.replace(/^\|\s*|\s*\|$/g, '').trim());
    const names = [...(cells[0] ?? '').matchAll(/`((?:CKS_[A-Z_]+|NODE_ENV))(?:=[^`]*)?`/g)].map((m) => m[1] as string);
    const defaults = (cells[cells.length - 1] ?? '').split(', ');
    names.forEach((n, i) => out.set(n, defaults.length === names.length ? (defaults[i] as string) : (cells[cells.length - 1] as string)));
  }
  return out;
}

/** What the README must say for each setting, from the code's own defaults. */
function expectedDefaults(c: ServerConfig): Record<string, string> {
  const inRoot = (dir: string, name: string): string => (dir === join(ROOT, name) ? `\`${name}/\`` : dir);
  return {
    CKS_PORT: `\`${c.port}\``,
    CKS_HOST: `\`${c.host}\``,
    CKS_DATA_DIR: inRoot(c.dataDir, 'data'),
    CKS_SCENARIOS_DIR: inRoot(c.scenariosDir, 'scenarios'),
    CKS_LABS_DIR: inRoot(c.labsDir, 'labs'),
    CKS_EXAMS_DIR: inRoot(c.examsDir, 'exams'),
    CKS_IDLE_MINUTES: `\`${c.idleTimeoutMs / 60_000}\``,
    CKS_TERMINAL_GRACE_SECONDS: `\`${c.terminalGraceMs / 1000}\``,
    CKS_MAX_PROVISIONING: `\`${c.maxConcurrentProvisioning}\``,
    CKS_MAX_SESSIONS: `\`${c.maxActiveSessions}\``,
    CKS_MAX_SESSIONS_PER_LEARNER: `\`${c.maxActiveSessionsPerLearner}\``,
    CKS_MAX_CLUSTERS: c.maxClusters === undefined ? 'from memory' : `\`${c.maxClusters}\``,
    CKS_CLUSTER_MEMORY_MB: `\`${c.clusterMemoryMiB}\``,
    CKS_RESERVED_MEMORY_MB: `\`${c.reservedMemoryMiB}\``,
    CKS_WARM_POOL: c.warmPool.size === 0 ? 'none' : 'a pool',
    CKS_READY_TIMEOUT_SECONDS: `\`${c.readyTimeoutMs / 1000}\``,
    CKS_SETUP_TIMEOUT_SECONDS: `\`${c.setupTimeoutMs / 1000}\``,
    CKS_CHECK_BURST: `\`${c.checkLimit.burst}\``,
    CKS_CHECKS_PER_MINUTE: `\`${c.checkLimit.perMinute}\``,
    CKS_AUTO_CHECK_SECONDS: `\`${c.autoCheckIntervalMs / 1000}\``,
    CKS_LOG_LEVEL: `\`${c.logLevel}\``,
    CKS_SECURE_COOKIES: c.secureCookies ? 'on' : 'off',
    CKS_PUBLIC_URL: c.publicUrl === undefined ? '`http://<host>:<port>`' : c.publicUrl,
    CKS_INSTRUCTOR_TOKEN: c.instructorToken === undefined ? 'generated at first start' : 'set',
    CKS_METRICS_TOKEN: c.metricsToken === undefined ? 'none' : 'set',
    NODE_ENV: c.production ? 'on' : 'off',
    CKS_PROVIDER: `\`${c.provider.kind}\``,
  };
}

describe('README settings table', () => {
  it('has a row for every variable the config reads', () => {
    const source = ['server/config/index.ts', 'server/clusters/kubernetes/settings.ts'].map((f) => readFileSync(join(ROOT, f), 'utf8')).join('\n');
    const read = new Set([...source.matchAll(/\b(CKS_[A-Z_]+[A-Z])\b/g)].map((m) => m[1] as string));
    const documented = readmeDefaults();
    const missing = [...read].filter((n) => !documented.has(n));
    assert.deepEqual(missing, [], 'variables the config reads but the README does not list');
  });

  it('states the defaults the code applies', () => {
    const documented = readmeDefaults();
    const expected = expectedDefaults(loadConfig({}, {}));
    for (const [name, want] of Object.entries(expected)) {
      const cell = documented.get(name);
      assert.ok(cell !== undefined, `${name} has a row`);
      assert.ok(cell.includes(want), `${name}: README says "${cell}", the code's default is ${want}`);
    }
  });
});
