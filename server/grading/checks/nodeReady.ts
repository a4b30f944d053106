/**
 * `nodeReady` checks: the node's kubelet runs and its Node is Ready. Asks the node for its name
 * (/etc/hostname: kind names nodes after their containers) and its kubelet unit
 * (`systemctl status kubelet`), and the API for the Node's Ready condition. A kubelet that is
 * stopped or crash-looping (kind restarts it every second: `activating (auto-restart)`) fails at
 * once with its last error line; a kubelet that has just (re)started while the Node still says
 * NotReady is waited for up to `waitSeconds`, then reported as an error (Check again) — never a fail.
 */
import type { NodeReadyCheck } from '../../scenarios/types.js';
import { ProbeError, type CheckResult, type CheckRunner, type ClusterProbes } from '../types.js';
import { excerpt } from './describe.js';

const POLL_MS = 1_000;
const NODE_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** What `systemctl status kubelet` says: the Active word and sub-state, and the kubelet's last error line. */
export function kubeletUnit(statusOut: string): { active: string; sub: string; error?: string } {
  const text = statusOut.slice(-64 * 1024);
  const m = /^\s*Active:\s*(\S+)\s*\(([^)]*)\)/m.exec(text);
  const lines = text.split('\n');
  const failed = [...lines].reverse().find((l) => /"command failed" err=|kubelet\[\d+\]: E\d{4} /.test(l));
  const err = failed ? (/err=(".*")\s*$/.exec(failed)?.[1] ?? failed) : undefined;
  let error: string | undefined;
  if (err !== undefined) {
    try {
      error = err.startsWith('"') ? String(JSON.parse(err)) : err;
    } catch {
      error = err;
    }
  }
  return { active: m?.[1] ?? 'unknown', sub: m?.[2] ?? '', ...(error !== undefined ? { error: excerpt(error, 240) } : {}) };
}

async function nodeName(probes: ClusterProbes, node?: string): Promise<string> {
  const out = await probes.nodeExec(['cat', '/etc/hostname'], node);
  const name = out.stdout.trim();
  if (out.exitCode !== 0 || !NODE_NAME.test(name)) throw new ProbeError(`cannot tell the node's name from /etc/hostname${node ? ` on ${node}` : ''}`);
  return name;
}

function readyCondition(obj: Record<string, unknown> | null): { status: string; reason: string; message: string } | undefined {
  const conditions = ((obj?.status as Record<string, unknown> | undefined)?.conditions ?? []) as Record<string, unknown>[];
  const c = Array.isArray(conditions) ? conditions.find((x) => x?.type === 'Ready') : undefined;
  return c ? { status: String(c.status ?? ''), reason: String(c.reason ?? ''), message: String(c.message ?? '') } : undefined;
}

export const runNodeReadyCheck: CheckRunner<NodeReadyCheck> = async (check, probes, signal) => {
  const name = await nodeName(probes, check.node);
  const expected = `kubelet.service active (running) and Node ${name} Ready`;
  const fail = (actual: string): Omit<CheckResult, 'id'> => ({ status: 'fail', message: `${check.description}: expected ${expected}, found ${actual}`, expected, actual });
  const deadline = Date.now() + (check.waitSeconds ?? 30) * 1000;
  for (;;) {
    const status = await probes.nodeExec(['systemctl', 'status', 'kubelet'], check.node);
    const unit = kubeletUnit(`${status.stdout}\n${status.stderr}`);
    if (unit.active === 'activating' && /auto-restart/.test(unit.sub)) {
      return fail(`the kubelet exits at start and systemd keeps restarting it (activating (auto-restart))${unit.error ? `: ${unit.error}` : ''} — see journalctl -u kubelet`);
    }
    if (unit.active !== 'active' && unit.active !== 'activating') {
      return fail(`kubelet.service ${unit.active}${unit.sub ? ` (${unit.sub})` : ''}${unit.error ? `, last error: ${unit.error}` : ''}`);
    }
    const ready = readyCondition(await probes.getObject({ apiVersion: 'v1', kind: 'Node', name }));
    if (!ready) throw new ProbeError(`Node ${name} has no Ready condition`);
    if (unit.active === 'active' && ready.status === 'True') {
      return { status: 'pass', message: check.description, expected, actual: `kubelet running, Node ${name} Ready (${ready.reason})` };
    }
    if (Date.now() + POLL_MS > deadline || signal.aborted) {
      throw new ProbeError(`the kubelet on ${name} is restarting (Node Ready=${ready.status}: ${excerpt(ready.message || ready.reason, 120)}), press Check again in a moment`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
};
