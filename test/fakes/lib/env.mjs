// Helpers for test suites that drive the fake `kind` and `docker` CLIs.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN_DIR } from './paths.mjs';

/** Variables that change the fakes' behaviour; never inherited from the caller by accident. */
const FAKE_KNOBS = ['FAKE_DOCKER_DOWN', 'FAKE_KIND_FAIL_AT', 'FAKE_KIND_WAIT_TIMEOUT', 'KIND_CLUSTER_NAME', 'FAKE_DOCKER_APPARMOR', 'FAKE_NODE_KVM', 'FAKE_DOCKER_ROOTLESS', 'FAKE_DOCKER_USERNS', 'FAKE_DOCKER_CGROUP_V1', 'FAKE_PODMAN_ROOTLESS', 'CKS_ENGINE', 'KIND_EXPERIMENTAL_PROVIDER'];

/**
 * Environment for child processes that should see the fakes: test/fakes/bin first on PATH, state
 * under `home` (default: a fresh temp dir), and KUBECONFIG inside it so the real ~/.kube/config is
 * never touched.
 * @param {{ home?: string, phaseDelayMs?: number, apiserver?: 'stub'|'real'|string, extra?: Record<string,string> }} [opts]
 */
export function fakeEnv({ home, phaseDelayMs = 0, apiserver, extra = {} } = {}) {
  const dir = home ?? fs.mkdtempSync(path.join(os.tmpdir(), 'cks-fake-'));
  fs.mkdirSync(dir, { recursive: true });
  const env = { ...process.env };
  for (const k of FAKE_KNOBS) delete env[k];
  Object.assign(env, {
    PATH: `${BIN_DIR}${path.delimiter}${process.env.PATH ?? ''}`,
    CKS_FAKE_HOME: dir,
    KUBECONFIG: path.join(dir, 'kubeconfig'),
    FAKE_KIND_PHASE_DELAY_MS: String(phaseDelayMs),
  });
  if (apiserver) env.FAKE_KIND_APISERVER = apiserver;
  return Object.assign(env, extra);
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, timeout: 60_000 }, (error, stdout, stderr) => resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }));
  });
}

/** Delete every fake cluster under env.CKS_FAKE_HOME (kills their API servers and node processes). */
export async function cleanupFakeClusters(env) {
  const clean = { ...env };
  for (const k of FAKE_KNOBS) delete clean[k];
  const { stdout } = await run('kind', ['get', 'clusters'], clean);
  const names = stdout.split('\n').filter(Boolean);
  for (const name of names) await run('kind', ['delete', 'cluster', '--name', name], clean);
  return names;
}
