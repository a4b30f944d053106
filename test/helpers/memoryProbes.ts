import { ProbeError, type ClusterProbes, type ExecOutcome } from '../../server/grading/types.js';

type Obj = Record<string, unknown>;

/** ClusterProbes over in-memory objects, for tests of code that grades but is not about grading. */
export class MemoryProbes implements ClusterProbes {
  readonly objects = new Map<string, Obj>();
  podExecHandler: (ns: string, pod: string, container: string | undefined, command: string[]) => ExecOutcome | null = () => null;

  put(obj: Obj): void {
    const meta = obj.metadata as { name: string; namespace?: string };
    this.objects.set(key(String(obj.kind), meta.namespace, meta.name), obj);
  }

  async getObject(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): Promise<Obj | null> {
    return this.objects.get(key(ref.kind, ref.namespace, ref.name)) ?? null;
  }

  async podExec(ns: string, pod: string, container: string | undefined, command: string[]): Promise<ExecOutcome> {
    if (!this.objects.has(key('Pod', ns, pod))) throw new ProbeError(`pod ${ns}/${pod} not found`);
    const out = this.podExecHandler(ns, pod, container, command);
    if (!out) throw new ProbeError(`container ${container} is not running`);
    return out;
  }

  async nodeExec(): Promise<ExecOutcome> {
    return { exitCode: 0, stdout: '', stderr: '' };
  }

  readonly etcd = new Map<string, Buffer>();

  async etcdGet(key: string): Promise<Buffer | null> {
    return this.etcd.get(key) ?? null;
  }
}

function key(kind: string, ns: string | undefined, name: string): string {
  return `${kind}/${ns ?? ''}/${name}`;
}

/** A Pod like the one the init-containers reference solution produces, Ready. */
export function solvedInitPod(): Obj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'init-lab' },
    spec: {
      volumes: [{ name: 'content', emptyDir: {} }],
      initContainers: [{ name: 'prepare', image: 'busybox:1.36.1', volumeMounts: [{ name: 'content', mountPath: '/work' }] }],
      containers: [{ name: 'nginx', image: 'nginx:1.27.3', volumeMounts: [{ name: 'content', mountPath: '/usr/share/nginx/html' }] }],
    },
    status: {
      phase: 'Running',
      conditions: [{ type: 'Ready', status: 'True' }],
      initContainerStatuses: [{ name: 'prepare', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
    },
  };
}
