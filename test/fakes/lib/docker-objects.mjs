// How the fake docker daemon describes its containers (the kind nodes): ps rows and inspect JSON.
import { isAlive } from './proc.mjs';

const ENTRYPOINT = ['/usr/local/bin/entrypoint', '/sbin/init'];

function humanDuration(ms) {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

function goTime(iso) {
  return `${iso.replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;
}

/** One `docker ps` row (fields as in docker's --format placeholders). */
export function psRow({ cluster, node }, noTrunc = false) {
  const running = isAlive(node.process);
  const port = cluster.apiserver?.port;
  const age = Date.now() - Date.parse(node.createdAt);
  const cmd = ENTRYPOINT.join(' ');
  return {
    ID: noTrunc ? node.id : node.id.slice(0, 12),
    Image: node.image,
    Command: noTrunc ? `"${cmd}"` : `"${cmd.slice(0, 20)}…"`,
    CreatedAt: goTime(node.createdAt),
    RunningFor: `${humanDuration(age)} ago`,
    Ports: running && port ? `127.0.0.1:${port}->6443/tcp` : '',
    State: running ? 'running' : 'exited',
    Status: running ? `Up ${humanDuration(age)}` : `Exited (137) ${humanDuration(age)} ago`,
    Size: '0B',
    Names: node.name,
    Labels: Object.entries(node.labels).map(([k, v]) => `${k}=${v}`).join(','),
    Mounts: '/lib/modules,/var',
    Networks: 'kind',
    Label(key) {
      return node.labels[key] ?? '';
    },
  };
}

/** `docker inspect` object for a node. */
export function inspectObject({ cluster, node }) {
  const running = isAlive(node.process);
  const port = cluster.apiserver?.port;
  return {
    Id: node.id,
    Created: node.createdAt,
    Path: ENTRYPOINT[0],
    Args: ENTRYPOINT.slice(1),
    State: {
      Status: running ? 'running' : 'exited',
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running ? node.process.pid : 0,
      ExitCode: running ? 0 : 137,
      Error: '',
      StartedAt: node.createdAt,
      FinishedAt: running ? '0001-01-01T00:00:00Z' : new Date().toISOString(),
    },
    Image: `sha256:${node.id.split('').reverse().join('')}`,
    Name: `/${node.name}`,
    RestartCount: 0,
    Driver: 'overlayfs',
    Platform: 'linux',
    HostConfig: { Privileged: true, NetworkMode: 'kind', RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 } },
    Config: {
      Hostname: node.name,
      Tty: true,
      Env: ['container=docker', 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: null,
      Image: node.image,
      Entrypoint: ENTRYPOINT,
      Labels: node.labels,
      StopSignal: 'SIGRTMIN+3',
    },
    NetworkSettings: {
      Ports: port ? { '6443/tcp': [{ HostIp: '127.0.0.1', HostPort: String(port) }] } : {},
      Networks: { kind: { IPAddress: running ? node.ipAddress : '', Gateway: '172.18.0.1', IPPrefixLen: 16, Aliases: [node.name] } },
    },
  };
}
