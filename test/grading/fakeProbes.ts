/** An in-memory ClusterProbes for engine and check tests. */
import { ProbeError, type ClusterProbes, type ExecOutcome } from '../../server/grading/types.js';

type Ref = { apiVersion: string; kind: string; name: string; namespace?: string };

export interface FakeProbesOptions {
  objects?: Record<string, unknown>[];
  /** Answers for pod commands, keyed `ns/pod` (missing key → ProbeError "pod not found"). */
  pods?: Record<string, (command: string[]) => ExecOutcome | Promise<ExecOutcome>>;
  node?: (command: string[]) => ExecOutcome | Promise<ExecOutcome>;
  /** Extra latency for every probe call. */
  latencyMs?: number;
  /** Raw etcd values by key. */
  etcd?: Record<string, Buffer>;
}

export function key(ref: Ref): string {
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export function fakeProbes(opts: FakeProbesOptions = {}): ClusterProbes & { calls: number } {
  const store = new Map<string, Record<string, unknown>>();
  for (const o of opts.objects ?? []) {
    const meta = o['metadata'] as { name: string; namespace?: string };
    const ref: Ref = { apiVersion: o['apiVersion'] as string, kind: o['kind'] as string, name: meta.name };
    if (meta.namespace !== undefined) ref.namespace = meta.namespace;
    store.set(key(ref), o);
  }
  const delay = (): Promise<void> => new Promise((r) => setTimeout(r, opts.latencyMs ?? 0));
  const probes = {
    calls: 0,
    async getObject(ref: Ref) {
      probes.calls++;
      await delay();
      return store.get(key(ref)) ?? null;
    },
    async podExec(namespace: string, pod: string, _container: string | undefined, command: string[]) {
      probes.calls++;
      await delay();
      const handler = opts.pods?.[`${namespace}/${pod}`];
      if (!handler) throw new ProbeError(`pod ${namespace}/${pod} not found`);
      return handler(command);
    },
    async nodeExec(command: string[]) {
      probes.calls++;
      await delay();
      if (!opts.node) throw new ProbeError('cannot run a command on the node: no such container');
      return opts.node(command);
    },
    async etcdGet(k: string) {
      probes.calls++;
      await delay();
      return opts.etcd?.[k] ?? null;
    },
  };
  return probes;
}

export const ok = (stdout = '', exitCode = 0, stderr = ''): ExecOutcome => ({ exitCode, stdout, stderr });
