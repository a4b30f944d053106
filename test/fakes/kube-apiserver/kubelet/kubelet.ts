/**
 * A simulated kubelet: schedules each new Pod onto the one node and runs its containers
 * for real in sandboxes (init containers in order, then the main containers), writing
 * real-shaped status back through the store. Deleting a Pod kills its processes and
 * removes its sandbox directories.
 */
import { chmodSync, createWriteStream, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../../../server/log/index.js';
import { findResource } from '../resources.js';
import type { KubeObject, ObjectStore, StoreEvent } from '../store.js';
import { containerArgv, containerSandbox, normalizedImage, podDir, volumeHostPath } from './layout.js';
import { writeNetTools } from '../network/tools.js';
import { podStatus, type ContainerRecord, type PodRecord } from './podStatus.js';
import { keyedFiles, mountError as failedMount, writeProjectedVolume } from './projected.js';
import { atomicWrite } from './atomicWriter.js';
import { resolveEnv, writeEnv } from './env.js';
import { spawnInSandbox, startError } from './sandbox.js';
import { appArmorFor, resolveRuntime, writeRuntimeView, type RuntimeView } from './runtime.js';
import { seccompFor } from './seccomp.js';
import { containerUser } from './identity.js';
import { markUnschedulable, unschedulableReason } from './scheduling.js';
import { imageStart, unpackImageLayout } from './imageStart.js';
import { ensureImage } from './imagePull.js';
import { containerPid, type PodContainer } from './criView.js';
import type { CriContainer } from '../controlPlane.js';

/** An init container with restartPolicy Always: a native sidecar (KEP-753, GA in v1.33). */
const isSidecar = (c: Record<string, any>): boolean => c.restartPolicy === 'Always';

/** Collaborators and timings for {@link FakeKubelet}. */
export interface KubeletOptions {
  store: ObjectStore;
  clusterDir: string;
  /** Where pods without a nodeName are scheduled (a worker when the cluster has one). */
  nodeName: string;
  /**
   * Every node of the cluster: this one simulated kubelet runs the pods bound to any of them
   * (their processes run on the host either way; node-level effects are the control plane's).
   */
  nodeNames?: string[];
  hostIP: string;
  logger: Logger;
  /** First CrashLoopBackOff delay (doubles per restart, capped at 5 min). Real kubelet: 10 s. */
  backoffMs?: number;
  /** The pod network's endpoint (network/endpoint.ts): busybox containers get network applets that ask it. */
  networkUrl?: string;
}

interface PodRuntime {
  uid: string;
  ns: string;
  name: string;
  record: PodRecord;
  procs: Set<ChildProcess>;
  timers: Set<NodeJS.Timeout>;
  stopped: boolean;
  /** The sandbox's runtime once created (runc, runsc, Kata; AppArmor per container). */
  view?: RuntimeView;
  /** The pod sandbox's id, as the CRI lists it. */
  sandboxId: string;
  /** Containers whose process runs now, by container id (what `crictl ps` lists, criView.ts). */
  running: Map<string, PodContainer>;
}

const PODS = findResource('', 'v1', 'pods')!;
const EVENTS = findResource('', 'v1', 'events')!;
const RUNTIME_CLASSES = findResource('node.k8s.io', 'v1', 'runtimeclasses')!;
/** How often a failed sandbox or container creation is retried (the real kubelet backs off from 10 s). */
const CREATE_RETRY_MS = 2000;
/** First image pull back-off (doubles, capped at IMAGE_BACKOFF_MAX_MS); the real kubelet: 10 s → 300 s. Fast in the fake. */
const IMAGE_BACKOFF_MS = 1000;
const IMAGE_BACKOFF_MAX_MS = 5000;
const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const containerId = (): string => randomBytes(32).toString('hex');

/** Runs the pods of one fake node. */
export class FakeKubelet {
  private readonly pods = new Map<string, PodRuntime>();
  private readonly onChange = (ev: StoreEvent): void => this.handle(ev);
  private nextIP = 10;

  constructor(private readonly opts: KubeletOptions) {}

  /** Starts watching pods; pods already stored (a restarted fake) are started again. */
  start(): void {
    this.opts.store.events.on('change', this.onChange);
    for (const pod of this.opts.store.list(PODS)) this.begin(pod);
  }

  /** Stops every pod process (sandbox dirs stay, so a restart can resume). */
  async dispose(): Promise<void> {
    this.opts.store.events.off('change', this.onChange);
    await Promise.all([...this.pods.values()].map((rt) => this.stop(rt)));
    this.pods.clear();
  }

  private handle(ev: StoreEvent): void {
    if (ev.rt !== PODS) return;
    if (ev.type === 'ADDED') this.begin(ev.object);
    if (ev.type === 'DELETED') {
      const rt = this.pods.get(ev.object.metadata.uid);
      if (!rt) return;
      this.pods.delete(rt.uid);
      // The name is free at once (a Pod of the same name may start next: replace --force): the
      // sandbox moves aside, keyed by uid, and is removed once its processes are gone.
      const dir = podDir(this.opts.clusterDir, rt.ns, rt.name);
      const aside = join(dirname(dir), `.deleted-${rt.uid}`);
      let moved = false;
      try {
        renameSync(dir, aside);
        moved = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.logger.warn('fake kubelet: cannot move a deleted pod aside', { pod: rt.name, err });
      }
      void this.stop(rt).then(() => {
        try {
          if (moved) rmSync(aside, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
        } catch (err) {
          this.opts.logger.warn('fake kubelet: removing a deleted pod', { pod: rt.name, err });
        }
      });
    }
  }

  private begin(pod: KubeObject): void {
    if (pod.spec?.nodeName && pod.spec.nodeName !== this.opts.nodeName && !this.opts.nodeNames?.includes(pod.spec.nodeName)) return;
    const rec = (c: Record<string, any>, reason: string): ContainerRecord => ({
      name: c.name, image: c.image, containerID: '', restartCount: 0, state: { waiting: { reason } }, lastState: {}, ready: false, started: false,
    });
    const hasInit = (pod.spec?.initContainers ?? []).length > 0;
    const rt: PodRuntime = {
      uid: pod.metadata.uid,
      ns: pod.metadata.namespace,
      name: pod.metadata.name,
      procs: new Set(),
      timers: new Set(),
      stopped: false,
      sandboxId: containerId(),
      running: new Map(),
      record: {
        restartPolicy: pod.spec?.restartPolicy ?? 'Always',
        init: (pod.spec?.initContainers ?? []).map((c: Record<string, any>) => ({ ...rec(c, 'PodInitializing'), ...(isSidecar(c) ? { sidecar: true } : {}) })),
        main: (pod.spec?.containers ?? []).map((c: Record<string, any>) => rec(c, hasInit ? 'PodInitializing' : 'ContainerCreating')),
        sandboxReady: false,
        hostIP: this.opts.hostIP,
        podIP: pod.spec?.hostNetwork === true ? this.opts.hostIP : `10.244.0.${this.nextIP++}`, // hostNetwork: the node's address
        startTime: now(),
        qosClass: pod.status?.qosClass ?? 'BestEffort',
      },
    };
    this.pods.set(rt.uid, rt);
    this.run(rt, pod).catch((err: unknown) => this.opts.logger.warn('fake kubelet: pod run failed', { pod: rt.name, err }));
  }

  private async run(rt: PodRuntime, pod: KubeObject): Promise<void> {
    // kube-scheduler: a cordoned node takes no new Pods; this one waits, Pending, until it is uncordoned.
    for (let why = unschedulableReason(this.opts.store, pod, this.opts.nodeName, this.opts.nodeNames ?? []); why !== null; why = unschedulableReason(this.opts.store, pod, this.opts.nodeName, this.opts.nodeNames ?? [])) {
      markUnschedulable(this.opts.store, PODS, rt.ns, rt.name, rt.uid, why);
      await this.sleep(rt, 500);
      if (rt.stopped) return;
    }
    this.write(rt, true);
    // The sandbox needs a runtime handler the node's containerd knows; until then the pod waits.
    let runtime = this.resolveRuntime(pod);
    while ('error' in runtime) {
      this.event(rt, 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${runtime.error}`);
      await this.sleep(rt, CREATE_RETRY_MS);
      if (rt.stopped) return;
      runtime = this.resolveRuntime(pod);
    }
    rt.view = { ...runtime, apparmor: {} };
    writeRuntimeView(this.opts.clusterDir, pod, rt.view);
    if (this.opts.networkUrl) writeNetTools(podDir(this.opts.clusterDir, rt.ns, rt.name), pod, this.opts.networkUrl);
    // A projected source that cannot be served (ServiceAccount or ConfigMap missing) fails the mount; the kubelet retries.
    let mountError = this.prepareVolumes(pod);
    while (mountError !== undefined) {
      this.event(rt, 'FailedMount', mountError);
      await this.sleep(rt, CREATE_RETRY_MS);
      if (rt.stopped) return;
      mountError = this.prepareVolumes(pod);
    }
    rt.record.sandboxReady = true;
    this.write(rt);
    const inits: Record<string, any>[] = pod.spec?.initContainers ?? [];
    for (let i = 0; i < inits.length; i++) {
      const rec = rt.record.init[i]!;
      if (rec.sidecar) {
        // A native sidecar (restartPolicy Always): it keeps running beside the others; the next
        // container starts once it has started (no startupProbe simulated: running = started).
        this.runContainer(rt, pod, inits[i]!, rec, false, true).catch((err: unknown) => this.opts.logger.warn('fake kubelet: sidecar failed', { pod: rt.name, err }));
        while (!rec.started && !rt.stopped) await this.sleep(rt, 50);
        if (rt.stopped) return;
        continue;
      }
      const ok = await this.runContainer(rt, pod, inits[i]!, rec, true);
      if (!ok || rt.stopped) return;
    }
    const mains: Record<string, any>[] = pod.spec?.containers ?? [];
    await Promise.all(mains.map((c, i) => this.runContainer(rt, pod, c, rt.record.main[i]!, false)));
  }

  /** Runs one container until it is done for good; true when it completed successfully. */
  private async runContainer(rt: PodRuntime, pod: KubeObject, c: Record<string, any>, rec: ContainerRecord, init: boolean, sidecar = false): Promise<boolean> {
    for (let pullFailures = 0; ; ) {
      if (rt.stopped) return false;
      // EnsureImageExists: images from a registry on the node are really pulled (imagePull.ts).
      const pull = await ensureImage(this.opts.store, join(this.opts.clusterDir, 'node'), pod, c);
      if (rt.stopped) return false;
      if (pull && 'error' in pull) {
        rec.state = { waiting: { reason: pull.reason, message: pull.error } };
        this.write(rt);
        this.event(rt, 'Failed', pull.error);
        await this.sleep(rt, Math.min(IMAGE_BACKOFF_MS * 2 ** pullFailures, IMAGE_BACKOFF_MAX_MS));
        if (pull.reason === 'ErrImagePull') {
          rec.state = { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${String(c.image)}": ErrImagePull: ${pull.error}` } };
          this.write(rt);
          this.event(rt, 'BackOff', `Back-off pulling image "${String(c.image)}"`);
          await this.sleep(rt, Math.min(IMAGE_BACKOFF_MS * 2 ** pullFailures, IMAGE_BACKOFF_MAX_MS));
        }
        pullFailures++;
        continue;
      }
      if (pull) rec.imageID = pull.image.imageRef;
      // An image whose entrypoint is pause's runs without a process, as a server image does.
      const pauses = pull?.image.entrypoint?.[0] === '/pause' && !(c.command?.length > 0);
      const argv = pauses ? undefined : containerArgv(c);
      rec.containerID = containerId();
      const startedAt = now();
      // containerd applies the container's AppArmor profile when it creates the container.
      const aa = appArmorFor(this.opts.clusterDir, pod, c);
      if ('error' in aa) {
        rec.state = { waiting: { reason: 'CreateContainerError', message: aa.error } };
        this.write(rt);
        this.event(rt, 'Failed', `Error: ${aa.error}`);
        await this.sleep(rt, CREATE_RETRY_MS);
        continue;
      }
      // The kubelet verifies runAsNonRoot before it asks for the container (CreateContainerConfigError).
      const user = containerUser(pod, c);
      if ('error' in user) {
        rec.state = { waiting: { reason: 'CreateContainerConfigError', message: user.error } };
        this.write(rt);
        this.event(rt, 'Failed', `Error: ${user.error}`);
        await this.sleep(rt, CREATE_RETRY_MS);
        continue;
      }
      // …and the values of its env from Secrets and ConfigMaps (env.ts).
      const env = resolveEnv(this.opts.store, pod, c);
      if ('error' in env) {
        rec.state = { waiting: { reason: 'CreateContainerConfigError', message: env.error } };
        this.write(rt);
        this.event(rt, 'Failed', `Error: ${env.error}`);
        await this.sleep(rt, CREATE_RETRY_MS);
        continue;
      }
      writeEnv(podDir(this.opts.clusterDir, rt.ns, rt.name), String(c.name), env.env);
      // …and its seccomp profile (a Localhost file it cannot load fails creation too).
      const sc = seccompFor(join(this.opts.clusterDir, 'node'), pod, c, rec.containerID);
      if ('error' in sc && sc.stage === 'create') {
        rec.state = { waiting: { reason: 'CreateContainerError', message: sc.error } };
        this.write(rt);
        this.event(rt, 'Failed', `Error: ${sc.error}`);
        await this.sleep(rt, CREATE_RETRY_MS);
        continue;
      }
      if (rt.view) {
        rt.view.apparmor[String(c.name)] = aa;
        const seccomp = { ...rt.view.seccomp };
        delete seccomp[String(c.name)];
        if ('filter' in sc && sc.filter) seccomp[String(c.name)] = sc.filter;
        rt.view.seccomp = seccomp;
        writeRuntimeView(this.opts.clusterDir, pod, rt.view);
      }
      // A server image whose start is modelled (imageStart.ts: nginx) runs its entrypoint's stand-in,
      // which meets the container's real filesystem; other server images run no process.
      const start = argv === undefined && !init ? imageStart(c) : undefined;
      if (argv === undefined && start === undefined && !init && !('error' in sc)) {
        rec.state = { running: { startedAt } };
        rec.ready = true;
        rec.started = true;
        this.write(rt);
        return true;
      }
      const cmd = argv ?? start?.argv ?? ['sh'];
      const sandbox = containerSandbox(this.opts.clusterDir, pod, c, cmd);
      if (start) unpackImageLayout(sandbox.rootDir, start);
      const err = 'error' in sc ? sc.error : startError(sandbox, cmd[0]!);
      let exitCode: number;
      if (err) {
        exitCode = 128;
        rec.state = { terminated: { exitCode, reason: 'StartError', message: err, startedAt: '1970-01-01T00:00:00Z', finishedAt: now(), containerID: `containerd://${rec.containerID}` } };
      } else {
        rec.state = { running: { startedAt } };
        rec.started = !init;
        rec.ready = !init;
        this.write(rt);
        const cri = { id: rec.containerID, name: String(c.name), image: String(c.image ?? ''), attempt: rec.restartCount, command: cmd, node: pod.spec?.nodeName ?? this.opts.nodeName, createdAt: Date.now() };
        exitCode = await this.exec(rt, sandbox, c.name, cri);
        if (rt.stopped) return false;
        rec.state = { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt, finishedAt: now(), containerID: `containerd://${rec.containerID}` } };
      }
      rec.ready = init && exitCode === 0;
      rec.started = false;
      this.write(rt);
      const policy = sidecar ? 'Always' : rt.record.restartPolicy; // a sidecar restarts whatever the pod's policy
      if (init && exitCode === 0) return true;
      const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0) || (init && policy !== 'Never');
      if (!restart) return exitCode === 0;
      await this.sleep(rt, 300);
      if (rt.stopped) return false;
      const backoff = Math.min((this.opts.backoffMs ?? 10_000) * 2 ** rec.restartCount, 300_000);
      rec.lastState = rec.state;
      rec.restartCount++;
      rec.state = { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(backoff / 1000)}s restarting failed container=${rec.name} pod=${rt.name}_${rt.ns}(${rt.uid})` } };
      this.write(rt);
      await this.sleep(rt, backoff);
    }
  }

  /**
   * The containers whose process runs now on `node`, as the node's CRI endpoint lists them (cri.ts):
   * the real host pid of each container's first process (`crictl inspect` → info.pid).
   */
  criContainers(node: string): CriContainer[] {
    const out: CriContainer[] = [];
    for (const rt of this.pods.values()) {
      for (const c of rt.running.values()) {
        if (c.node !== node) continue;
        const pid = containerPid(c.child.pid);
        out.push({
          id: c.id, podSandboxId: rt.sandboxId, podName: rt.name, podUid: rt.uid, namespace: rt.ns, name: c.name, image: c.image,
          imageId: createHash('sha256').update(c.image).digest('hex'), createdAt: c.createdAt, state: 'CONTAINER_RUNNING', attempt: c.attempt,
          command: c.command, logPath: `/var/log/pods/${rt.ns}_${rt.name}_${rt.uid}/${c.name}/${c.attempt}.log`, podContainer: true,
          ...(pid !== undefined ? { pid } : {}),
        });
      }
    }
    return out;
  }

  private exec(rt: PodRuntime, sandbox: ReturnType<typeof containerSandbox>, name: string, cri?: Omit<PodContainer, 'child'>): Promise<number> {
    const logDir = join(podDir(this.opts.clusterDir, rt.ns, rt.name), 'logs');
    mkdirSync(logDir, { recursive: true });
    const log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
    const child = spawnInSandbox(sandbox);
    rt.procs.add(child);
    if (cri) rt.running.set(cri.id, { ...cri, child });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    return new Promise((resolve) => {
      child.on('error', () => resolve(128));
      child.on('close', (code, signal) => {
        rt.procs.delete(child);
        if (cri) rt.running.delete(cri.id);
        log.end();
        resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 15) : 15));
      });
    });
  }

  /** Creates the pod's volume directories and their files; the FailedMount message of a projected volume that cannot be served. */
  private prepareVolumes(pod: KubeObject): string | undefined {
    const dir = podDir(this.opts.clusterDir, pod.metadata.namespace, pod.metadata.name);
    for (const v of (pod.spec?.volumes ?? []) as Record<string, any>[]) {
      const host = volumeHostPath(dir, v);
      if (v.hostPath) {
        if (v.hostPath.type === 'DirectoryOrCreate') mkdirSync(host, { recursive: true });
        continue;
      }
      mkdirSync(host, { recursive: true });
      if (v.emptyDir) chmodSync(host, 0o777); // the kubelet creates emptyDir volumes 0777
      if (v.projected) {
        const err = writeProjectedVolume(this.opts.store, pod, pod.spec?.nodeName ?? this.opts.nodeName, v, host);
        if (err !== undefined) return err;
        continue;
      }
      // Secret and configMap volumes: the items (or every key) with defaultMode / item modes, in
      // the kubelet's ..data layout; a secret volume is a tmpfs (1777), a configMap's dir 0777.
      const src = v.secret ? { ...v.secret, name: v.secret.secretName } : v.configMap;
      if (!src) continue;
      const got = keyedFiles(this.opts.store, pod.metadata.namespace, v.secret ? 'secret' : 'configmap', src);
      if ('error' in got) return failedMount(v, got.error);
      chmodSync(host, v.secret ? 0o1777 : 0o777);
      atomicWrite(host, got, typeof src.defaultMode === 'number' ? src.defaultMode : 0o644);
    }
    return undefined;
  }

  private resolveRuntime(pod: KubeObject): ReturnType<typeof resolveRuntime> {
    const name: string | undefined = pod.spec?.runtimeClassName;
    const rc = name ? this.opts.store.get(RUNTIME_CLASSES, '', name) : undefined;
    return resolveRuntime(this.opts.clusterDir, pod, rc ?? undefined);
  }

  /** Records a kubelet Event about the pod (what `kubectl describe pod` shows), counting repeats. */
  private event(rt: PodRuntime, reason: string, message: string): void {
    if (rt.stopped) return;
    const ts = now();
    const name = `${rt.name}.${reason.toLowerCase()}`;
    const old = this.opts.store.get(EVENTS, rt.ns, name);
    if (old && old.message === message) {
      this.opts.store.update(EVENTS, { ...old, count: (old.count ?? 1) + 1, lastTimestamp: ts });
      return;
    }
    if (old) this.opts.store.delete(EVENTS, rt.ns, name);
    this.opts.store.create(EVENTS, {
      apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: rt.ns },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: rt.name, namespace: rt.ns, uid: rt.uid },
      reason, message, type: 'Warning', count: 1, firstTimestamp: ts, lastTimestamp: ts,
      source: { component: 'kubelet', host: this.opts.nodeName }, reportingComponent: 'kubelet', reportingInstance: this.opts.nodeName,
    });
  }

  /** Writes the pod's status (and, the first time, its nodeName) back to the store. */
  private write(rt: PodRuntime, schedule = false): void {
    if (rt.stopped) return;
    const pod = this.opts.store.get(PODS, rt.ns, rt.name);
    if (!pod || pod.metadata.uid !== rt.uid) return;
    if (schedule) pod.spec.nodeName ??= this.opts.nodeName;
    pod.status = podStatus(rt.record, pod.status, normalizedImage);
    this.opts.store.update(PODS, pod);
  }

  private sleep(rt: PodRuntime, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        rt.timers.delete(t);
        resolve();
      }, ms);
      rt.timers.add(t);
    });
  }

  private async stop(rt: PodRuntime): Promise<void> {
    rt.stopped = true;
    for (const t of rt.timers) clearTimeout(t);
    rt.timers.clear();
    const exits = [...rt.procs].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('close', () => resolve());
          try {
            process.kill(-p.pid!, 'SIGKILL');
          } catch {
            resolve();
          }
        }),
    );
    await Promise.all(exits);
  }
}
