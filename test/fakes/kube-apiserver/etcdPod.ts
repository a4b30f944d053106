/**
 * The etcd static pod's life cycle as the kubelet runs it: started from
 * /etc/kubernetes/manifests/etcd.yaml, replaced when the manifest changes (the old container
 * exits, its client port refuses connections, a new one starts after the restart delay), and
 * restarted with a back-off when it exits at start (a bad flag, a certificate file it cannot
 * see) — its zap JSON log says why. While it runs, its client listeners ({@link EtcdListeners})
 * are published in the node's port map, so `curl https://127.0.0.1:2379/health` on the node
 * reaches them.
 */
import { parse } from 'yaml';
import { publishNodePort } from '../lib/node-ports.mjs';
import type { Logger } from '../../../server/log/index.js';
import { etcdClientConfig, EtcdListeners, type EtcdClientConfig, type EtcdFailure } from './etcdServer.js';

/** What the pod needs from the control plane that holds it (containers, logs, node files). */
export interface EtcdPodHost {
  nodeRoot: string;
  logger: Logger;
  restartMs: number;
  readNode(path: string): string | null;
  /** The node path a container path comes from through the pod's mounts (undefined: not mounted). */
  mountedPath(path: string, pod: any, container: any): string | undefined;
  startContainer(name: string, manifest: string, running: boolean, lines: string[], exitCode?: number): void;
  stopContainer(name: string): void;
  /** Called after etcd started, stopped or failed: kube-apiserver re-checks its connection. */
  changed(): void;
}

export const ETCD_MANIFEST = '/etc/kubernetes/manifests/etcd.yaml';

/** The simulated etcd static pod. */
export class EtcdPod {
  state: 'running' | 'restarting' | 'crashloop' | 'absent' = 'absent';
  private manifest: string | null = null;
  private listeners: EtcdListeners | undefined;
  /** How the running etcd serves clients (the fake etcdctl in its container asks, see cri.ts). */
  clientConfig: EtcdClientConfig | undefined;
  private pending: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private published = new Set<number>();
  private transition: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly host: EtcdPodHost) {
    this.backoffMs = host.restartMs;
  }

  /** Starts etcd from the manifest as it is now (no manifest: etcd is not simulated). */
  async start(): Promise<void> {
    this.manifest = this.host.readNode(ETCD_MANIFEST);
    await this.tryStart();
  }

  /** Whether a manifest exists at all (without one, nothing about etcd is simulated). */
  get simulated(): boolean {
    return this.manifest !== null;
  }

  /** The host port etcd's client port `nodePort` really listens on, while etcd runs. */
  hostPort(nodePort: number): number | undefined {
    return this.listeners?.ports.get(nodePort);
  }

  /** Called on the control plane's poll: a changed manifest replaces the pod. */
  poll(): void {
    const text = this.host.readNode(ETCD_MANIFEST);
    if (text === this.manifest) return;
    this.manifest = text;
    this.transition = this.transition.then(() => this.replace()).catch((e: unknown) => this.host.logger.warn('fake etcd: restart failed', { err: e as Error }));
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    clearTimeout(this.pending);
    await this.stopListening();
  }

  private async replace(): Promise<void> {
    clearTimeout(this.pending);
    this.host.stopContainer('etcd');
    await this.stopListening();
    this.state = 'restarting';
    this.backoffMs = this.host.restartMs;
    this.host.changed();
    this.pending = setTimeout(() => void this.tryStart(), this.host.restartMs);
  }

  private async tryStart(): Promise<void> {
    if (this.disposed) return;
    const text = this.manifest;
    if (text === null) {
      this.state = 'absent';
      return;
    }
    let pod: any;
    try {
      pod = parse(text);
    } catch {
      this.state = 'absent'; // the kubelet cannot decode it: no pod
      this.host.changed();
      return;
    }
    const container = (pod?.spec?.containers ?? []).find((c: any) => c?.name === 'etcd') ?? pod?.spec?.containers?.[0];
    const command: string[] = [...(container?.command ?? []), ...(container?.args ?? [])].map(String);
    const read = (p: string): string | null => {
      const hostPath = this.host.mountedPath(p, pod, container);
      return hostPath === undefined ? null : this.host.readNode(hostPath);
    };
    const config = etcdClientConfig(command, read);
    if ('error' in config) return this.crash(text, config);
    await this.stopListening();
    this.listeners = await EtcdListeners.start(config);
    this.clientConfig = config;
    for (const [nodePort, port] of this.listeners.ports) {
      publishNodePort(this.host.nodeRoot, nodePort, { host: '127.0.0.1', port });
      this.published.add(nodePort);
    }
    this.host.startContainer('etcd', text, true, [
      zap('info', 'etcdmain/etcd.go:64', 'Running: ', { args: command }),
      zap('info', 'embed/etcd.go:143', 'configuring client listeners', { 'listen-client-urls': config.ports.map((p) => `${p.secure ? 'https' : 'http'}://127.0.0.1:${p.port}`) }),
      zap('info', 'embed/serve.go:275', 'serving client traffic securely', { 'client-cert-auth': config.requireClientCert }),
    ]);
    this.state = 'running';
    this.backoffMs = this.host.restartMs;
    this.host.changed();
  }

  private crash(text: string, failure: EtcdFailure): void {
    const line = failure.plain ? failure.error : zap('fatal', 'etcdmain/etcd.go:157', 'discovery failed', { error: failure.error });
    this.host.startContainer('etcd', text, false, [line], failure.exitCode);
    this.state = 'crashloop';
    this.host.changed();
    this.pending = setTimeout(() => void this.tryStart(), this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, 10_000);
  }

  private async stopListening(): Promise<void> {
    for (const p of this.published) publishNodePort(this.host.nodeRoot, p, null);
    this.published.clear();
    const l = this.listeners;
    this.listeners = undefined;
    this.clientConfig = undefined;
    await l?.close();
  }
}

/** One line of etcd's zap JSON log. */
function zap(level: string, caller: string, msg: string, fields: Record<string, unknown>): string {
  return JSON.stringify({ level, ts: new Date().toISOString(), caller, msg, ...fields });
}
