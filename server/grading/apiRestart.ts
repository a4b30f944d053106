/**
 * A check that meets kube-apiserver restarting (the learner just saved its static pod manifest;
 * 30–90 s on a real host) must not come out as a fail. The engine records what each check asked
 * of the cluster; when a check that depended on the API did not pass, it asks the probes whether
 * the API is ready and, if not (or if the check's own output shows the API was away), reports
 * `error` with one learner message, short evidence, and for a crash loop what to look at.
 * Checks that never touched the API (a node file, etcd through crictl) keep their verdict.
 */
import type { Check } from '../scenarios/types.js';
import { excerpt } from './checks/describe.js';
import { ApiUnavailableError, type ApiHealth, type CheckResult, type ClusterProbes, type ExecOutcome } from './types.js';

/** The message a learner sees when a check met the API server restarting. */
export const API_RESTARTING = 'API server is restarting, press Check again in a moment';

/** How long the engine waits for `apiHealth` before keeping what it knows. */
const HEALTH_WAIT_MS = 6_000;

/**
 * What kubectl (client-go), curl and the API server print when kube-apiserver is away or not
 * ready yet. Matched against node commands' output only: a pod's own "connection refused" is
 * the pod's business (a NetworkPolicy check, say), not the API's.
 */
const API_DOWN: RegExp[] = [
  /The connection to the server \S+ was refused/i,
  /Unable to connect to the server/i,
  /couldn't get current server API group list/i,
  /the server is currently unable to handle the request/i,
  /Error from server \((ServiceUnavailable|Timeout|TooManyRequests)\)/i,
  /the server was unable to return a response in the time allotted/i,
  /\betcdserver: (request timed out|leader changed|no leader|too many requests)/i,
  /(readyz|healthz|livez) check failed/i,
  /dial tcp \S+:6443: connect: connection (refused|reset)/i,
  /Failed to connect to \S+ port 6443/i,
  /\bHTTP\/[\d.]+ 503\b|\b503 Service Unavailable\b/i,
];

/** The first line of `text` that shows the API away, or undefined. */
export function apiDownLine(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (API_DOWN.some((re) => re.test(line))) return excerpt(line, 160);
  }
  return undefined;
}

/** A node command that talks to the API itself. */
function mentionsKubectl(argv: string[]): boolean {
  return argv.some((a) => /\bkubectl\b/.test(a));
}

/** What one check asked of the cluster. */
export class ProbeTrace {
  /** It read an object or ran a command in a pod (both go through kube-apiserver). */
  usedApi = false;
  /** The API said an object does not exist: a starting API server may say so wrongly (CRDs not served yet). */
  sawAbsence = false;
  readonly nodeCommands: { argv: string[]; outcome?: ExecOutcome }[] = [];

  /** `probes`, recording every question into this trace. */
  wrap(probes: ClusterProbes): ClusterProbes {
    const wrapped: ClusterProbes = {
      getObject: async (ref) => {
        this.usedApi = true;
        const obj = await probes.getObject(ref);
        if (obj === null) this.sawAbsence = true;
        return obj;
      },
      podExec: (ns, pod, container, command) => ((this.usedApi = true), probes.podExec(ns, pod, container, command)),
      nodeExec: async (argv, node) => {
        const entry: { argv: string[]; outcome?: ExecOutcome } = { argv };
        this.nodeCommands.push(entry);
        entry.outcome = await probes.nodeExec(argv, node);
        return entry.outcome;
      },
      etcdGet: (key) => probes.etcdGet(key),
    };
    if (probes.apiHealth) wrapped.apiHealth = () => ((this.usedApi = true), probes.apiHealth!());
    if (probes.dryRunCreate) wrapped.dryRunCreate = (obj) => ((this.usedApi = true), probes.dryRunCreate!(obj));
    if (probes.listPods) wrapped.listPods = (ns, selector) => ((this.usedApi = true), probes.listPods!(ns, selector));
    if (probes.podLogs) wrapped.podLogs = (ns, pod, container, opts) => ((this.usedApi = true), probes.podLogs!(ns, pod, container, opts));
    if (probes.serviceAccountToken) wrapped.serviceAccountToken = (ns, name) => ((this.usedApi = true), probes.serviceAccountToken!(ns, name));
    if (probes.apiRequest) wrapped.apiRequest = (req) => ((this.usedApi = true), probes.apiRequest!(req));
    if (probes.accessReview) wrapped.accessReview = (who, attrs) => ((this.usedApi = true), probes.accessReview!(who, attrs));
    return wrapped;
  }

  /** The check's verdict may be about the API being away rather than about the learner's work. */
  dependsOnApi(): boolean {
    return this.usedApi || this.nodeCommands.some((c) => mentionsKubectl(c.argv)) || this.downLine() !== undefined;
  }

  /** The first line of a node command's output that shows the API away. */
  downLine(): string | undefined {
    for (const { argv, outcome } of this.nodeCommands) {
      if (!outcome || (outcome.exitCode === 0 && !mentionsKubectl(argv))) continue;
      const line = apiDownLine(`${outcome.stderr}\n${outcome.stdout}`);
      if (line !== undefined) return line;
    }
    return undefined;
  }
}

/** How a check ended before the engine looks at the API. */
export interface CheckEnding {
  outcome: Omit<CheckResult, 'id'>;
  /** Thrown by the runner (ProbeError, a bug), or undefined. */
  thrown?: unknown;
  /** The engine's timeout fired. */
  timedOut: boolean;
}

/**
 * The check's result once the API server's state is known: unchanged when it did not depend on the
 * API, or when the API is ready and nothing showed it away; otherwise `error`. A pass is looked at
 * only when it may rest on the API being away: kubectl's "connection refused" in a check that
 * wanted a non-zero exit, or an object "not found" (objectAbsent) while the API was starting.
 */
export async function reconsider(check: Check, ending: CheckEnding, trace: ProbeTrace, probes: ClusterProbes): Promise<Omit<CheckResult, 'id'>> {
  const { outcome, thrown, timedOut } = ending;
  // A runner's own `error` (an expression the author got wrong) is not about the API.
  const doubtfulPass = outcome.status === 'pass' && (trace.sawAbsence || trace.downLine() !== undefined);
  const open = outcome.status === 'fail' || outcome.status === 'skip' || doubtfulPass || thrown !== undefined || timedOut;
  const unavailable = thrown instanceof ApiUnavailableError ? thrown : undefined;
  if (!open || (!unavailable && !trace.dependsOnApi())) return outcome;
  const seen = unavailable?.answer ?? trace.downLine();
  const health = await askHealth(probes);
  if (seen === undefined && (health === undefined || health.state === 'ready')) return outcome;
  return apiResult(check, outcome, health, seen);
}

async function askHealth(probes: ClusterProbes): Promise<ApiHealth | undefined> {
  if (!probes.apiHealth) return undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), HEALTH_WAIT_MS)));
  try {
    return await Promise.race([probes.apiHealth().catch(() => undefined), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The `error` a learner sees: restarting (come back in a moment) or not coming back (what to look at). */
function apiResult(check: Check, outcome: Omit<CheckResult, 'id'>, health: ApiHealth | undefined, seen: string | undefined): Omit<CheckResult, 'id'> {
  const evidence: string[] = [];
  if (seen !== undefined) evidence.push(`the check saw: ${seen}`);
  if (health) evidence.push(health.state === 'ready' ? 'kube-apiserver answers /readyz again now' : health.evidence);
  const expected = outcome.expected || 'kube-apiserver answering (/readyz ok)';
  const actual = evidence.join('; ') || 'kube-apiserver did not answer';
  return { status: 'error', message: `${check.description}: ${learnerMessage(health)}`, expected, actual };
}

function learnerMessage(health: ApiHealth | undefined): string {
  switch (health?.state) {
    case 'crashLoop':
      return (
        'API server is not coming back: its container keeps exiting (crash loop). Look at `crictl ps -a --name kube-apiserver` ' +
        'and its log (`crictl logs <container id>`, or /var/log/pods/kube-system_kube-apiserver-*/), fix ' +
        '/etc/kubernetes/manifests/kube-apiserver.yaml (or the files it points at), then press Check again'
      );
    case 'gone':
      return (
        'API server is not running and the kubelet has not started it again: check that /etc/kubernetes/manifests/kube-apiserver.yaml ' +
        'is a valid Pod manifest, and the kubelet log (`journalctl -u kubelet`), then press Check again'
      );
    default:
      return API_RESTARTING;
  }
}
