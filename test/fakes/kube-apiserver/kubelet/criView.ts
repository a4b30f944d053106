/**
 * The kubelet's pod containers as the node's container runtime lists them (`crictl ps`/`inspect`,
 * answered by cri.ts): id, pod, image, and the host pid of the container's first process, which
 * containerd reports as `info.pid` and which tools on the node (strace -p, nsenter -t) take.
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

/** One container whose process runs now. */
export interface PodContainer {
  id: string;
  name: string;
  image: string;
  attempt: number;
  command: string[];
  /** The node the pod is bound to (each node's crictl lists only its own). */
  node: string;
  createdAt: number;
  /** The sandbox's outer process (`unshare --fork`, sandbox.ts). */
  child: ChildProcess;
}

/**
 * The container's first process: the child `unshare --fork` started (PID 1 in the container's PID
 * namespace, a host pid outside it), or undefined while it is not forked yet or already gone.
 */
export function containerPid(outerPid: number | undefined): number | undefined {
  if (outerPid === undefined) return undefined;
  try {
    const first = readFileSync(`/proc/${outerPid}/task/${outerPid}/children`, 'utf8').trim().split(/\s+/)[0];
    if (first && /^\d+$/.test(first)) return Number(first);
  } catch {
    // no children file (kernel without CONFIG_PROC_CHILDREN) or the process is gone: scan ppids
  }
  try {
    for (const d of readdirSync('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      try {
        const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (ppid === outerPid) return Number(d);
      } catch {
        // exited meanwhile
      }
    }
  } catch {
    return undefined;
  }
  return undefined;
}
