/** A one-line summary of why a Pod is not where a check wanted it (phase, container reasons). */

interface ContainerStatus {
  name?: string;
  state?: Record<string, { reason?: string; exitCode?: number } | undefined>;
  lastState?: Record<string, { reason?: string; exitCode?: number } | undefined>;
}

/** `pod phase Pending; prepare: CrashLoopBackOff (last: Error, exit code 1)`, or '' for non-pods. */
export function podContext(obj: Record<string, unknown>): string {
  if (obj['kind'] !== 'Pod') return '';
  const status = (obj['status'] ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof status['phase'] === 'string') parts.push(`pod phase ${status['phase']}`);
  for (const key of ['initContainerStatuses', 'containerStatuses']) {
    const list = status[key];
    if (!Array.isArray(list)) continue;
    for (const cs of list as ContainerStatus[]) {
      const note = containerNote(cs);
      if (note) parts.push(`${cs.name ?? '?'}: ${note}`);
    }
  }
  return parts.join('; ');
}

function containerNote(cs: ContainerStatus): string {
  const waiting = cs.state?.['waiting'];
  const terminated = cs.state?.['terminated'];
  const last = cs.lastState?.['terminated'];
  const lastText = last ? ` (last: ${last.reason ?? 'terminated'}, exit code ${last.exitCode ?? '?'})` : '';
  if (waiting) return `${waiting.reason ?? 'waiting'}${lastText}`;
  if (terminated && terminated.exitCode !== 0) return `${terminated.reason ?? 'terminated'}, exit code ${terminated.exitCode ?? '?'}`;
  return '';
}
