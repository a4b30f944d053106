/**
 * `connectivity` checks: reach or no reach, proven from inside a pod with the tools its image
 * really has (busybox): `nc -vv -z -w T <ip> <port>` for TCP, `nslookup <name>` for DNS. A
 * Service is probed at its ClusterIP and a pod at its IP, so a broken DNS cannot pass or fail a
 * connection probe; DNS has its own target. `noReach` passes only on a time-out or a refusal:
 * any other failure (the tool missing, a bad address) is not proof and fails, saying what happened.
 */
import type { ConnectivityCheck, ConnectivitySource } from '../../scenarios/types.js';
import { ProbeError, type CheckResult, type CheckRunner, type ClusterProbes, type ExecOutcome } from '../types.js';
import { excerpt } from './describe.js';

type Result = Omit<CheckResult, 'id'>;
type Pod = Record<string, any>;

const selectorText = (s: Record<string, string>): string => Object.entries(s).map(([k, v]) => `${k}=${v}`).join(',');

/** The pod a probe runs in (or targets): by name, or the first Running pod of the selector, by name. */
async function pickPod(probes: ClusterProbes, namespace: string, spec: { pod?: string; selector?: Record<string, string> }): Promise<Pod | string> {
  if (spec.pod) {
    const pod = await probes.getObject({ apiVersion: 'v1', kind: 'Pod', namespace, name: spec.pod });
    if (!pod) return `Pod ${namespace}/${spec.pod} not found`;
    return pod as Pod;
  }
  if (!spec.selector) throw new ProbeError('a connectivity source or target names neither pod nor selector');
  if (!probes.listPods) throw new ProbeError('these probes cannot list pods by selector');
  const pods = (await probes.listPods(namespace, spec.selector)) as Pod[];
  const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  return running[0] ?? `no Running pod matches ${selectorText(spec.selector)} in ${namespace}${pods.length > 0 ? ` (${pods.length} not running)` : ''}`;
}

/** `shop/frontend-7c9…` for messages. */
const podText = (p: Pod): string => `${String(p.metadata.namespace)}/${String(p.metadata.name)}`;

/** Where the probe connects and how the message names it. */
async function target(probes: ClusterProbes, check: ConnectivityCheck, from: ConnectivitySource): Promise<{ ip: string; port: number; label: string } | string> {
  const to = check.to;
  if ('dns' in to) throw new Error('unreachable');
  if ('host' in to) return { ip: to.host, port: to.port, label: `${to.host}:${to.port}` };
  const ns = to.namespace ?? from.namespace;
  if ('service' in to) {
    const svc = (await probes.getObject({ apiVersion: 'v1', kind: 'Service', namespace: ns, name: to.service })) as Pod | null;
    if (!svc) return `Service ${ns}/${to.service} not found`;
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') return `Service ${ns}/${to.service} has no ClusterIP`;
    return { ip: String(ip), port: to.port, label: `${to.service}:${to.port} (${String(ip)})` };
  }
  const pod = await pickPod(probes, ns, to);
  if (typeof pod === 'string') return pod;
  if (!pod.status?.podIP) return `pod ${podText(pod)} has no IP yet`;
  return { ip: String(pod.status.podIP), port: to.port, label: `${podText(pod)}:${to.port} (${String(pod.status.podIP)})` };
}

/** What nc's exit code and messages say happened. */
function tcpOutcome(out: ExecOutcome, timeout: number): { reached: boolean | undefined; text: string } {
  const said = `${out.stderr}\n${out.stdout}`;
  if (out.exitCode === 0) return { reached: true, text: 'connected' };
  if (/refused/i.test(said)) return { reached: false, text: 'connection refused' };
  if (/timed out|timeout/i.test(said)) return { reached: false, text: `timed out after ${timeout} s` };
  return { reached: undefined, text: `nc exited ${out.exitCode}${said.trim() ? `: ${excerpt(said)}` : ''}` };
}

/** What nslookup's exit code and output say happened. */
function dnsOutcome(out: ExecOutcome): { reached: boolean | undefined; text: string } {
  const said = `${out.stdout}\n${out.stderr}`;
  const answer = /Name:\s*(\S+)\s*\nAddress(?: \d+)?:\s*(\S+)/.exec(out.stdout);
  if (out.exitCode === 0 && answer) return { reached: true, text: `resolved ${answer[1]} to ${answer[2]}` };
  if (/NXDOMAIN|can't find/i.test(said)) return { reached: false, text: 'NXDOMAIN (name not found)' };
  if (/timed out|no servers could be reached/i.test(said)) return { reached: false, text: 'timed out: no DNS server could be reached' };
  return { reached: undefined, text: `nslookup exited ${out.exitCode}${said.trim() ? `: ${excerpt(said)}` : ''}` };
}

export const runConnectivityCheck: CheckRunner<ConnectivityCheck> = async (check, probes) => {
  const timeout = check.timeoutSeconds ?? 2;
  const dns = 'dns' in check.to;
  const want = check.expect === 'reach';
  const source = await pickPod(probes, check.from.namespace, check.from);
  const fromText = typeof source === 'string' ? (check.from.pod ?? selectorText(check.from.selector ?? {})) : podText(source);
  const dest = dns ? undefined : await target(probes, check, check.from);
  const toText = 'dns' in check.to ? `DNS ${check.to.dns}` : typeof dest === 'object' ? dest.label : 'host' in check.to ? check.to.host : 'service' in check.to ? check.to.service : String(check.to.pod ?? selectorText(check.to.selector ?? {}));
  const expected = `${fromText} → ${toText}: ${dns ? (want ? 'resolves' : 'does not resolve') : want ? 'connects' : 'no connection (time-out or refusal)'}`;
  const fail = (actual: string): Result => ({ status: 'fail', message: `${check.description}: expected ${expected}, found ${actual}`, expected, actual });
  if (typeof source === 'string') return fail(source);
  if (typeof dest === 'string') return fail(dest);
  const command = dest ? ['nc', '-vv', '-z', '-w', String(timeout), dest.ip, String(dest.port)] : ['nslookup', (check.to as { dns: string }).dns];
  const out = await probes.podExec(String(source.metadata.namespace), String(source.metadata.name), check.from.container, command);
  if (out.exitCode === 126 || out.exitCode === 127 || /executable file not found|applet not found|: not found/.test(out.stderr)) {
    throw new ProbeError(`${command[0]} is not in pod ${podText(source)}'s image (${excerpt(out.stderr || out.stdout)}): connectivity probes need busybox's nc and nslookup`);
  }
  const seen = dns ? dnsOutcome(out) : tcpOutcome(out, timeout);
  const actual = `${fromText} → ${toText}: ${seen.text}`;
  if (seen.reached === want) return { status: 'pass', message: `${check.description} (${seen.text})`, expected, actual };
  return fail(actual);
};
