/**
 * Puts busybox's network applets (nc, wget, nslookup, httpd, ip) into a fake pod's busybox containers:
 * per-pod wrappers that run test/fakes/lib/busybox-net.mjs with the network endpoint's URL and the
 * pod's uid, mounted over /usr/local/bin (first on the sandbox PATH, so they shadow the host's
 * tools the way the image's own /bin would). Images without these applets get nothing.
 */
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../store.js';

export const NET_APPLETS = ['nc', 'wget', 'nslookup', 'httpd', 'ip'] as const;
const SCRIPT = fileURLToPath(new URL('../../lib/busybox-net.mjs', import.meta.url));
const IN_CONTAINER = '/usr/local/bin';

const netDir = (podDirPath: string): string => join(podDirPath, 'runtime', 'net');
const imageBase = (image: string): string => (image.split('/').pop() ?? image).split('@')[0]!.split(':')[0]!;

/** Writes the pod's applet wrappers (called by the kubelet when it creates the sandbox). */
export function writeNetTools(podDirPath: string, pod: KubeObject, endpointUrl: string): void {
  const dir = netDir(podDirPath);
  mkdirSync(dir, { recursive: true });
  copyFileSync(SCRIPT, join(dir, '.busybox-net.mjs'));
  const uid = String(pod.metadata.uid).replace(/[^a-f0-9-]/gi, '');
  const url = endpointUrl.replace(/[^A-Za-z0-9:/.]/g, '');
  for (const applet of NET_APPLETS) {
    writeFileSync(join(dir, applet), `#!/bin/sh\nexec /usr/bin/node ${IN_CONTAINER}/.busybox-net.mjs '${url}' '${uid}' ${applet} "$@"\n`, { mode: 0o755 });
  }
}

/** The bind that gives a busybox container its applets, when the kubelet wrote them. */
export function netToolsBind(podDirPath: string, container: Record<string, any>): { hostPath: string; containerPath: string; readOnly: boolean }[] {
  const dir = netDir(podDirPath);
  if (imageBase(String(container.image ?? '')) !== 'busybox' || !existsSync(dir)) return [];
  return [{ hostPath: dir, containerPath: IN_CONTAINER, readOnly: true }];
}
