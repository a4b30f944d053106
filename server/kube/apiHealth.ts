/**
 * Is kube-apiserver ready, and if not, why? /readyz through the grader's own client (never
 * through anything on the learner's node, which the learner controls), then, only when it is not
 * ready, what the container runtime on the node says about the kube-apiserver container:
 * starting, exited once (the kubelet replacing the pod), exited again and again (a crash loop:
 * the learner's manifest or config is broken), or nothing started for a long while.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import type { ApiHealth, ExecOutcome } from '../grading/types.js';
import { networkReason } from './apiErrors.js';

/** What /readyz answered: `up` = the server answered HTTP at all. */
export interface ReadyzAnswer {
  ok: boolean;
  up: boolean;
  answer: string;
}

/** After this long with no kube-apiserver container running again, it is not a restart any more. */
export const GONE_AFTER_MS = 120_000;

/** GET /readyz?verbose with the kubeconfig's credentials and CA, bounded by `timeoutMs`. */
export async function readyz(kc: KubeConfig, server: string, timeoutMs: number): Promise<ReadyzAnswer> {
  const url = new URL('/readyz?verbose', server);
  const opts: RequestOptions = { method: 'GET', timeout: timeoutMs };
  await kc.applyToHTTPSOptions(opts);
  if (url.protocol !== 'https:') delete opts.agent;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<ReadyzAnswer>((resolve) => {
    const req = send(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (e) => resolve({ ok: false, up: false, answer: networkReason(e) }));
      res.on('end', () => {
        const code = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        if (code >= 200 && code < 300) return resolve({ ok: true, up: true, answer: 'ok' });
        // 401/403/404: the server is up and serving; its answer is about us, not about a restart.
        if (code < 500 && code !== 429) return resolve({ ok: true, up: true, answer: `HTTP ${code}` });
        resolve({ ok: false, up: true, answer: `HTTP ${code}${failedChecks(body)}` });
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', (e) => resolve({ ok: false, up: false, answer: networkReason(e) }));
    req.end();
  });
}

/** `: [-]etcd failed, [-]poststarthook/rbac/bootstrap-roles failed` from a verbose readyz body. */
function failedChecks(body: string): string {
  const failed = body
    .split('\n')
    .filter((l) => l.startsWith('[-]'))
    .map((l) => l.replace(/: reason withheld$/, ''));
  if (failed.length > 0) return `: ${failed.slice(0, 3).join(', ')}${failed.length > 3 ? ', …' : ''}`;
  const text = body.trim().split('\n')[0] ?? '';
  return text ? `: ${text.slice(0, 120)}` : '';
}

/** One kube-apiserver container as `crictl ps -a -o json` lists it. */
interface CriContainer {
  id: string;
  podSandboxId?: string;
  metadata?: { name?: string; attempt?: number };
  state?: string;
  createdAt?: string;
}

/** Runs argv on the node; throws when it cannot. */
type RunOnNode = (argv: string[]) => Promise<ExecOutcome>;

/**
 * The API's health from a /readyz answer and, when it is not ready, the node's container
 * runtime. Never throws: what cannot be learned is left out of the evidence.
 */
export async function judgeApiHealth(answer: ReadyzAnswer, run: RunOnNode, now: number = Date.now()): Promise<ApiHealth> {
  if (answer.ok) return { ready: true, state: 'ready', evidence: `/readyz: ${answer.answer}` };
  const head = `/readyz: ${answer.answer}`;
  let containers: CriContainer[];
  try {
    const ps = await run(['crictl', 'ps', '-a', '--name', '^kube-apiserver$', '-o', 'json']);
    if (ps.exitCode !== 0) return { ready: false, state: 'restarting', evidence: head };
    containers = ((JSON.parse(ps.stdout) as { containers?: CriContainer[] }).containers ?? []).filter((c) => c.metadata?.name === 'kube-apiserver');
  } catch {
    return { ready: false, state: 'restarting', evidence: head };
  }
  containers.sort((a, b) => createdMs(b) - createdMs(a));
  const latest = containers[0];
  if (!latest) return { ready: false, state: 'gone', evidence: `${head}; crictl ps -a lists no kube-apiserver container` };
  const attempt = latest.metadata?.attempt ?? 0;
  if (latest.state === 'CONTAINER_RUNNING') {
    const restarts = attempt > 0 ? `, restarted ${attempt} time${attempt === 1 ? '' : 's'}` : '';
    return { ready: false, state: 'restarting', evidence: `${head}; crictl ps -a: kube-apiserver Running${restarts}, started ${age(now - createdMs(latest))} ago, not ready yet` };
  }
  const samePod = containers.filter((c) => c.podSandboxId === latest.podSandboxId && c.state !== 'CONTAINER_RUNNING').length;
  const exits = Math.max(attempt + 1, samePod);
  const detail = await exitDetail(latest.id, run);
  const times = `exited ${exits} time${exits === 1 ? '' : 's'}`;
  const exitedFor = detail.finishedMs ? `, the last ${age(now - detail.finishedMs)} ago` : '';
  const evidence = `${head}; crictl ps -a: kube-apiserver ${times}${detail.code}${exitedFor}${detail.log ? `; its log ends: ${detail.log}` : ''}`;
  if (exits >= 2) return { ready: false, state: 'crashLoop', evidence };
  if (detail.finishedMs && now - detail.finishedMs > GONE_AFTER_MS) return { ready: false, state: 'gone', evidence };
  return { ready: false, state: 'restarting', evidence };
}

/** Exit code, finish time and the last log line of an exited container (best effort). */
async function exitDetail(id: string, run: RunOnNode): Promise<{ code: string; finishedMs?: number; log?: string }> {
  const out: { code: string; finishedMs?: number; log?: string } = { code: '' };
  try {
    const inspect = await run(['crictl', 'inspect', '-o', 'json', id]);
    let exitCode: number | undefined;
    if (inspect.exitCode === 0) {
      const status = (JSON.parse(inspect.stdout) as { status?: { exitCode?: number; finishedAt?: string } }).status;
      exitCode = status?.exitCode;
      if (typeof exitCode === 'number') out.code = ` (last exit code ${exitCode})`;
      const finished = Date.parse(status?.finishedAt ?? '');
      if (Number.isFinite(finished) && finished > 0) out.finishedMs = finished;
    }
    // A container the kubelet stopped to replace it (exit 0) has nothing to say; a crash does.
    if (exitCode === 0) return out;
    const logs = await run(['crictl', 'logs', '--tail', '5', id]);
    const last = `${logs.stdout}\n${logs.stderr}`
      .split('\n')
      .map((l) => l.trim().replace(/^[IWEF]\d{4} [\d:.]+\s+\d+ \S+\] /, ''))
      .filter((l) => l !== '' && !/level=fatal/.test(l))
      .pop();
    if (last) out.log = last.length > 200 ? `${last.slice(0, 199)}…` : last;
  } catch {
    // evidence is best effort
  }
  return out;
}

/** crictl prints createdAt in nanoseconds since the epoch, as a string. */
function createdMs(c: CriContainer): number {
  const ns = Number(c.createdAt ?? 0);
  return Number.isFinite(ns) ? ns / 1e6 : 0;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}
