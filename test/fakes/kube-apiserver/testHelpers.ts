/** Shared helpers for the fake API server's own tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFile } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { CoreV1Api, Exec, KubeConfig } from '@kubernetes/client-node';
import { startFakeApiServer, type FakeApiServer } from './index.js';

/** Polls `fn` until it returns a truthy value or the time is up. */
export async function waitFor<T>(fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000, what = 'condition'): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** A fake server in a fresh temp dir, plus a kubeconfig file; `dispose` removes both. */
export async function startTestServer(opts: { backoffMs?: number } = {}): Promise<{ server: FakeApiServer; kubeconfigFile: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kube-test-'));
  const server = await startFakeApiServer({ cluster: 'test', dir: join(dir, 'cluster'), backoffMs: opts.backoffMs ?? 500 });
  const kubeconfigFile = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigFile, server.kubeconfig());
  return {
    server,
    kubeconfigFile,
    dispose: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the real kubectl against `kubeconfig` (HOME, so its cache, next to it); never rejects. */
export function kubectl(kubeconfig: string, args: string[], stdin?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dirname(kubeconfig) }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

type Started = Awaited<ReturnType<typeof startTestServer>>;

/** A fake server with namespace `ns`, and a client for it: the fixture of the tests of the simulated kubelet. */
export async function startPodLab(ns: string): Promise<{ t: Started; kc: KubeConfig; core: CoreV1Api }> {
  const t = await startTestServer({ backoffMs: 400 });
  const kc = new KubeConfig();
  kc.loadFromString(t.server.kubeconfig());
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: ns } } });
  return { t, kc, core };
}

/** `sh -c <script>` in a container of a Pod over the exec WebSocket: what it wrote to stdout and stderr, in order. */
export async function execSh(kc: KubeConfig, ns: string, pod: string, script: string, container = 'app'): Promise<string> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (d: Buffer) => (text += d.toString()));
  const ws = await new Exec(kc).exec(ns, pod, container, ['sh', '-c', script], out, out, null, false);
  await new Promise<void>((resolve) => ws.on('close', () => resolve()));
  return text;
}
