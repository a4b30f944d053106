/**
 * What `systemctl <verb> kubelet` prints on a kind node (systemd 252, Debian 12), for the kubelet
 * unit the fake node delegates to the simulated kubelet (see kubeletServer.ts): is-active's word
 * and exit code (0 active, 3 otherwise), status's header, process lines and the unit's last
 * journal lines, and start/stop/restart (silent, 0). kind's kubelet.service has Restart=always and
 * RestartSec=1s, so a kubelet that exits is `activating (auto-restart)`, never `failed`, and
 * ConditionPathExists=/var/lib/kubelet/config.yaml keeps it from starting without its config.
 */

/** The unit as systemd sees it. */
export interface KubeletUnitState {
  active: 'active' | 'activating' | 'inactive';
  sub: 'running' | 'auto-restart' | 'dead';
  since: Date;
  pid: number;
  /** Set when the last run ended badly: the kubelet exited 1, or the start condition failed. */
  result?: 'exit-code' | 'condition';
  /** Last journal lines of the unit (kubelet's klog lines and systemd's), oldest first. */
  journal: string[];
}

export interface UnitAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const EXEC_START = '/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS';
const KUBELET_ARGV = '/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=NODE_IP --node-labels= --pod-infra-container-image=registry.k8s.io/pause:3.10.1 --provider-id=kind://docker/CLUSTER/NODE --runtime-cgroups=/system.slice/containerd.service';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** systemd's timestamp: `Mon 2026-11-30 02:07:12 UTC`. */
function stamp(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}

/** systemd's relative time: `400ms ago`, `12s ago`, `3min 4s ago`. */
function ago(d: Date, now: Date): string {
  const ms = Math.max(0, now.getTime() - d.getTime());
  if (ms < 1000) return `${ms}ms ago`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}min ${s % 60}s ago` : `${Math.floor(m / 60)}h ${m % 60}min ago`;
}

/** A journal line's prefix: `Nov 30 02:07:12 kind-control-plane kubelet[123]: `. */
export function journalPrefix(d: Date, host: string, ident: string): string {
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${host} ${ident}: `;
}

/** klog's header: `E1130 02:07:12.345678    123 `. */
export function klogHeader(severity: 'I' | 'W' | 'E', d: Date, pid: number): string {
  const micros = pad(d.getUTCMilliseconds() * 1000, 6);
  return `${severity}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${micros} ${String(pid).padStart(7)} `;
}

/** `systemctl status kubelet` (exit 0 when running, 3 otherwise). */
export function statusText(u: KubeletUnitState, host: string, cluster: string, nodeIP: string, now = new Date()): UnitAnswer {
  const activeLine = u.active === 'active' ? `active (running) since ${stamp(u.since)}; ${ago(u.since, now)}`
    : u.active === 'activating' ? `activating (auto-restart) (Result: ${u.result ?? 'exit-code'}) since ${stamp(u.since)}; ${ago(u.since, now)}`
    : `inactive (dead) since ${stamp(u.since)}; ${ago(u.since, now)}`;
  const lines = [
    `${u.active === 'inactive' ? '○' : '●'} kubelet.service - kubelet: The Kubernetes Node Agent`,
    '     Loaded: loaded (/etc/systemd/system/kubelet.service; enabled; preset: enabled)',
    '    Drop-In: /etc/systemd/system/kubelet.service.d',
    '             └─10-kubeadm.conf, 11-kind.conf',
    `     Active: ${activeLine}`,
  ];
  if (u.result === 'condition' && u.active === 'inactive') {
    lines.push(`  Condition: start condition unmet at ${stamp(u.since)}; ${ago(u.since, now)}`, '             └─ ConditionPathExists=/var/lib/kubelet/config.yaml was not met');
  }
  lines.push('       Docs: http://kubernetes.io/docs/');
  if (u.active === 'active') {
    lines.push(
      `   Main PID: ${u.pid} (kubelet)`,
      '      Tasks: 14 (limit: 9830)',
      '     Memory: 38.4M',
      '     CGroup: /kubelet.slice/kubelet.service',
      `             └─${u.pid} ${KUBELET_ARGV.replace('NODE_IP', nodeIP).replace('CLUSTER', cluster).replace('NODE', host)}`,
    );
  } else if (u.result === 'exit-code') {
    lines.push(`    Process: ${u.pid} ExecStart=${EXEC_START} (code=exited, status=1/FAILURE)`, `   Main PID: ${u.pid} (code=exited, status=1/FAILURE)`, '        CPU: 61ms');
  }
  const journal = u.journal.slice(-10);
  const text = `${lines.join('\n')}\n${journal.length > 0 ? `\n${journal.join('\n')}\n` : ''}`;
  return { exitCode: u.active === 'active' ? 0 : 3, stdout: text, stderr: '' };
}

/** `systemctl is-active kubelet`. */
export function isActiveText(u: KubeletUnitState): UnitAnswer {
  return { exitCode: u.active === 'active' ? 0 : 3, stdout: `${u.active}\n`, stderr: '' };
}

/** kubelet.service has no ExecReload. */
export function reloadRefused(): UnitAnswer {
  return { exitCode: 1, stdout: '', stderr: 'Failed to reload kubelet.service: Job type reload is not applicable for unit kubelet.service.\n' };
}
