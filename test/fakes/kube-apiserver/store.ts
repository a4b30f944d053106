/**
 * In-memory object storage with resourceVersions, watch events and optional
 * persistence to `<dir>/objects.json` so a restarted fake keeps its state.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceType } from './resources.js';

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
  private persistTimer: NodeJS.Timeout | undefined;

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
    this.changed({ type: 'ADDED', rt, object: o });
    return structuredClone(o);
  }

  /** Replaces an existing object (caller has merged and validated it). */
  update(rt: ResourceType, obj: KubeObject): KubeObject {
    const o = structuredClone(obj);
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(keyOf(rt, o.metadata.namespace ?? '', o.metadata.name), o);
    this.changed({ type: 'MODIFIED', rt, object: o });
    return structuredClone(o);
  }

  delete(rt: ResourceType, ns: string, name: string): KubeObject | undefined {
    const k = keyOf(rt, ns, name);
    const o = this.objects.get(k);
    if (!o) return undefined;
    this.objects.delete(k);
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
    writeFileSync(tmp, JSON.stringify({ resourceVersion: this.rv, objects: [...this.objects] }));
    renameSync(tmp, this.file);
  }

  private changed(ev: StoreEvent): void {
    this.events.emit('change', { ...ev, object: structuredClone(ev.object) });
    if (this.file && !this.persistTimer) this.persistTimer = setTimeout(() => this.flush(), 50);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return;
    }
    const data = JSON.parse(text) as { resourceVersion: number; objects: [string, KubeObject][] };
    this.rv = data.resourceVersion;
    for (const [k, o] of data.objects) this.objects.set(k, o);
  }
}

/** `<dir>/objects.json`. */
export function objectsFile(dir: string): string {
  return join(dir, 'objects.json');
}
