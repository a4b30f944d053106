/**
 * In-memory object storage with resourceVersions, watch events and optional
 * persistence to `<dir>/objects.json` so a restarted fake keeps its state.
 */
import { KUBEADM_PLUGINS } from './admission.js';
import { KUBEADM_AUTH, type AuthConfig } from './authn.js';
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceType } from './resources.js';
import type { ImagePolicyWebhook } from './imagePolicy.js';

export type KubeObject = Record<string, any> & { metadata: Record<string, any> };

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface StoreEvent {
  type: WatchEventType;
  rt: ResourceType;
  object: KubeObject;
}

const keyOf = (rt: ResourceType, ns: string, name: string): string => `${rt.group}/${rt.resource}/${ns}/${name}`;

/** The fake's storage; one per server. Objects handed out are deep copies. */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  private rv = 1000;
  readonly events = new EventEmitter();
  /**
   * The last events, oldest first, so a watch from a resourceVersion replays what happened since
   * (kube-apiserver's watch cache does; kubectl wait lists, then watches from the list's version, and an
   * event between the two must not be lost). Bounded like the real cache; older versions get 410 Gone.
   */
  private readonly history: StoreEvent[] = [];
  private static readonly HISTORY = 4096;
  private persistTimer: NodeJS.Timeout | undefined;
  /** Encrypted bytes "etcd" holds for objects written while an encryption provider applied (others are stored plain). */
  private readonly raw = new Map<string, Buffer>();
  /**
   * Set by the control-plane simulation while kube-apiserver runs with an encryption config: the
   * bytes to store for an object being written, or undefined to store it in plain text.
   */
  encodeForStorage: ((rt: ResourceType, obj: KubeObject) => Buffer | undefined) | undefined;
  /** Set by the control-plane simulation from kube-apiserver's flags: the admission plugins it runs. */
  admissionPlugins: ReadonlySet<string> = KUBEADM_PLUGINS;
  /** Set by the control-plane simulation from kube-apiserver's flags: --anonymous-auth and --authorization-mode. */
  apiserverAuth: AuthConfig = KUBEADM_AUTH;
  /** Set by the control-plane simulation when kube-apiserver runs ImagePolicyWebhook (imagePolicy.ts). */
  imagePolicy: ImagePolicyWebhook | undefined = undefined;

  constructor(private readonly file?: string) {
    this.events.setMaxListeners(0);
    if (file) this.load(file);
  }

  /** Current global resourceVersion as a string. */
  resourceVersion(): string {
    return String(this.rv);
  }

  get(rt: ResourceType, ns: string, name: string): KubeObject | undefined {
    const o = this.objects.get(keyOf(rt, ns, name));
    return o ? structuredClone(o) : undefined;
  }

  list(rt: ResourceType, ns?: string): KubeObject[] {
    const prefix = `${rt.group}/${rt.resource}/`;
    const out: KubeObject[] = [];
    for (const [k, o] of this.objects) {
      if (!k.startsWith(prefix)) continue;
      if (ns !== undefined && rt.namespaced && o.metadata.namespace !== ns) continue;
      out.push(structuredClone(o));
    }
    return out.sort((a, b) => `${a.metadata.namespace ?? ''}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace ?? ''}/${b.metadata.name}`));
  }

  /** Stores a new object, stamping uid, resourceVersion, creationTimestamp. */
  create(rt: ResourceType, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.metadata.uid = randomUUID();
    o.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(keyOf(rt, o.metadata.namespace ?? '', o.metadata.name), o);
    this.encode(rt, o);
    this.changed({ type: 'ADDED', rt, object: o });
    return structuredClone(o);
  }

  /** Replaces an existing object (caller has merged and validated it). */
  update(rt: ResourceType, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(keyOf(rt, o.metadata.namespace ?? '', o.metadata.name), o);
    this.encode(rt, o);
    this.changed({ type: 'MODIFIED', rt, object: o });
    return structuredClone(o);
  }

  delete(rt: ResourceType, ns: string, name: string): KubeObject | undefined {
    const k = keyOf(rt, ns, name);
    const o = this.objects.get(k);
    if (!o) return undefined;
    this.objects.delete(k);
    this.raw.delete(k);
    o.metadata.resourceVersion = String(++this.rv);
    this.changed({ type: 'DELETED', rt, object: o });
    return structuredClone(o);
  }

  /** Writes pending changes now (also called on close). */
  flush(): void {
    if (this.persistTimer) clearTimeout(this.persistTimer);
    this.persistTimer = undefined;
    if (!this.file) return;
    const tmp = `${this.file}.${process.pid}.tmp`;
    const raw = [...this.raw].map(([k, b]) => [k, b.toString('base64')]);
    writeFileSync(tmp, JSON.stringify({ resourceVersion: this.rv, objects: [...this.objects], raw }));
    renameSync(tmp, this.file);
  }

  /**
   * The events after resourceVersion `rv`, or 'expired' when they are no longer all held (the client
   * must list again, as after kube-apiserver's "too old resource version").
   */
  eventsSince(rv: number): StoreEvent[] | 'expired' {
    if (rv >= this.rv) return [];
    const oldest = this.history[0];
    if (!oldest || Number(oldest.object.metadata.resourceVersion) > rv + 1) return 'expired';
    return this.history.filter((e) => Number(e.object.metadata.resourceVersion) > rv).map((e) => ({ ...e, object: structuredClone(e.object) }));
  }

  private changed(ev: StoreEvent): void {
    const kept = { ...ev, object: structuredClone(ev.object) };
    this.history.push(kept);
    if (this.history.length > ObjectStore.HISTORY) this.history.splice(0, this.history.length - ObjectStore.HISTORY);
    this.events.emit('change', { ...ev, object: structuredClone(ev.object) });
    // Batched: the whole store is written each time (it is also written when the fake stops).
    if (this.file && !this.persistTimer) this.persistTimer = setTimeout(() => this.flush(), 250);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const data = JSON.parse(text) as { resourceVersion: number; objects: [string, KubeObject][]; raw?: [string, string][] };
    this.rv = data.resourceVersion;
    for (const [k, o] of data.objects) this.objects.set(k, o);
    for (const [k, b] of data.raw ?? []) this.raw.set(k, Buffer.from(b, 'base64'));
  }

  /** The encrypted bytes stored for an object, or undefined when it is stored in plain text (or absent). */
  encrypted(group: string, resource: string, ns: string, name: string): Buffer | undefined {
    return this.raw.get(`${group}/${resource}/${ns}/${name}`);
  }

  /** Every stored object with its group, resource and namespace (for the fake etcd). */
  entries(): { group: string; resource: string; ns: string; object: KubeObject }[] {
    return [...this.objects].map(([k, object]) => {
      const [group = '', resource = '', ns = ''] = k.split('/');
      return { group, resource, ns, object: structuredClone(object) };
    });
  }

  /** Objects are re-encoded on every write, as kube-apiserver transforms values on each write. */
  private encode(rt: ResourceType, o: KubeObject): void {
    const k = keyOf(rt, o.metadata.namespace ?? '', o.metadata.name);
    const bytes = this.encodeForStorage?.(rt, o);
    if (bytes) this.raw.set(k, bytes);
    else this.raw.delete(k);
  }
}

/** `<dir>/objects.json`. */
export function objectsFile(dir: string): string {
  return join(dir, 'objects.json');
}
