/**
 * Kernel limits that cap how many kind clusters one host holds, whatever its memory: kind's known
 * issue "Pod errors due to too many open files" is the per-user inotify limit. Every node's
 * systemd, kubelet and containerd shims take inotify instances, and all nodes of a rootful engine
 * are the same user (root), so the limit is shared by every cluster on the host.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface InotifyLimits {
  maxUserInstances: number | null;
  maxUserWatches: number | null;
}

/** kind's recommended values (known issues page). */
export const KIND_RECOMMENDED = { maxUserInstances: 512, maxUserWatches: 524_288 } as const;
/** What one single-node kind cluster takes, measured order of magnitude (systemd, kubelet, containerd and ~15 shims). */
export const PER_CLUSTER = { instances: 25, watches: 16_384 } as const;

/** Read the host's limits from /proc (a folder that holds sys/fs/inotify/…); null where unreadable. */
export function readInotifyLimits(procDir = '/proc'): InotifyLimits {
  const read = (name: string): number | null => {
    try {
      const n = Number.parseInt(readFileSync(join(procDir, 'sys/fs/inotify', name), 'utf8').trim(), 10);
      return Number.isFinite(n) && n > 0 ? n : null;
    } catch {
      return null;
    }
  };
  return { maxUserInstances: read('max_user_instances'), maxUserWatches: read('max_user_watches') };
}

export interface InotifyVerdict {
  /** Clusters the limits allow at once (null when they could not be read). */
  clusters: number | null;
  /** For operators: what is short and the sysctl lines that fix it; null when nothing is short. */
  warning: string | null;
}

/** How many clusters the inotify limits allow, and what to set when they allow fewer than `wanted`. */
export function inotifyCapacity(limits: InotifyLimits, wanted: number): InotifyVerdict {
  const byInstances = limits.maxUserInstances === null ? null : Math.floor(limits.maxUserInstances / PER_CLUSTER.instances);
  const byWatches = limits.maxUserWatches === null ? null : Math.floor(limits.maxUserWatches / PER_CLUSTER.watches);
  const known = [byInstances, byWatches].filter((n): n is number => n !== null);
  const clusters = known.length === 0 ? null : Math.min(...known);
  if (clusters === null || clusters >= wanted) return { clusters, warning: null };
  const instances = Math.max(KIND_RECOMMENDED.maxUserInstances, wanted * PER_CLUSTER.instances);
  const watches = Math.max(KIND_RECOMMENDED.maxUserWatches, wanted * PER_CLUSTER.watches);
  return {
    clusters,
    warning:
      `The host's inotify limits (fs.inotify.max_user_instances=${limits.maxUserInstances ?? '?'}, fs.inotify.max_user_watches=${limits.maxUserWatches ?? '?'}) hold about ${clusters} kind cluster(s), ` +
      `fewer than the ${wanted} its memory allows; more would fail with "too many open files" (kind known issue). Capacity is capped at ${clusters}. ` +
      `To raise it: sysctl -w fs.inotify.max_user_instances=${instances} fs.inotify.max_user_watches=${watches} (and put both in /etc/sysctl.d/99-cks-lab.conf).`,
  };
}
