/**
 * Turns the kubelet's view of a pod's containers into a real-shaped `status`:
 * phase (same rules as kubelet's getPhase), conditions, container statuses.
 */
export interface ContainerRecord {
  name: string;
  image: string;
  containerID: string;
  restartCount: number;
  state: Record<string, any>;
  lastState: Record<string, any>;
  ready: boolean;
  started: boolean;
  /** An init container with restartPolicy Always (native sidecar): done initializing once started. */
  sidecar?: boolean;
  /** `<repo>@sha256:<manifest digest>` of an image really pulled (imagePull.ts); else derived from the container id. */
  imageID?: string;
}

export interface PodRecord {
  restartPolicy: string;
  init: ContainerRecord[];
  main: ContainerRecord[];
  sandboxReady: boolean;
  hostIP: string;
  podIP: string;
  startTime: string;
  qosClass: string;
}

const isDone = (c: ContainerRecord): boolean => (c.sidecar ? c.started || c.restartCount > 0 : c.state.terminated?.exitCode === 0);

/** kubelet's getPhase for a pod. */
export function podPhase(p: PodRecord): string {
  if (p.restartPolicy === 'Never' && p.init.some((c) => c.state.terminated && c.state.terminated.exitCode !== 0)) return 'Failed';
  if (p.init.some((c) => !isDone(c))) return 'Pending';
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of p.main) {
    if (c.state.running) running++;
    else if (c.state.terminated) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if (c.lastState.terminated) stopped++;
    else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (p.restartPolicy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return p.restartPolicy === 'Never' ? 'Failed' : 'Running';
  }
  return 'Pending';
}

function condition(type: string, ok: boolean, prev: Record<string, any>[], reason?: string, message?: string): Record<string, any> {
  const status = ok ? 'True' : 'False';
  const old = prev.find((c) => c.type === type);
  const lastTransitionTime = old && old.status === status ? old.lastTransitionTime : new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const c: Record<string, any> = { type, status, lastProbeTime: null, lastTransitionTime };
  if (!ok && reason) {
    c.reason = reason;
    c.message = message;
  }
  return c;
}

const statusOf = (c: ContainerRecord, image: string): Record<string, any> => {
  const s: Record<string, any> = {
    name: c.name,
    state: c.state,
    lastState: c.lastState,
    ready: c.ready,
    restartCount: c.restartCount,
    image,
    // A container never created (waiting to pull or create) has no image yet: imageID is empty, as the kubelet reports it.
    imageID: c.imageID ?? (c.containerID ? `${image.replace(/:[^:/]*$/, '')}@sha256:${c.containerID.slice(-64).padStart(64, '0')}` : ''),
    started: c.started,
  };
  if (c.containerID) s.containerID = `containerd://${c.containerID}`;
  return s;
};

/** The full `status` for the pod; `prev` keeps condition transition times stable. */
export function podStatus(p: PodRecord, prev: Record<string, any> | undefined, normalize: (image: string) => string): Record<string, any> {
  const prevConds: Record<string, any>[] = prev?.conditions ?? [];
  const pendingInit = p.init.filter((c) => !isDone(c)).map((c) => c.name);
  // A native sidecar's readiness counts toward the pod's, as for a regular container.
  const unready = [...p.init.filter((c) => c.sidecar), ...p.main].filter((c) => !c.ready).map((c) => c.name);
  const conditions = [
    condition('PodReadyToStartContainers', p.sandboxReady, prevConds),
    condition('Initialized', pendingInit.length === 0, prevConds, 'ContainersNotInitialized', `containers with incomplete status: [${pendingInit.join(' ')}]`),
    condition('Ready', unready.length === 0, prevConds, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`),
    condition('ContainersReady', unready.length === 0, prevConds, 'ContainersNotReady', `containers with unready status: [${unready.join(' ')}]`),
    condition('PodScheduled', true, prevConds),
  ];
  const status: Record<string, any> = {
    phase: podPhase(p),
    conditions,
    hostIP: p.hostIP,
    hostIPs: [{ ip: p.hostIP }],
    startTime: p.startTime,
    qosClass: p.qosClass,
  };
  if (p.sandboxReady) {
    status.podIP = p.podIP;
    status.podIPs = [{ ip: p.podIP }];
  }
  if (p.init.length > 0) status.initContainerStatuses = p.init.map((c) => statusOf(c, normalize(c.image)));
  status.containerStatuses = p.main.map((c) => statusOf(c, normalize(c.image)));
  return status;
}
