// Process identity (pid + start time, so a recycled pid is never mistaken for ours) and killing.
import fs from 'node:fs';

/** Start time of `pid` in clock ticks since boot, or null when it does not exist. */
export function startTimeOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parens: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

/** { pid, startTime } for a live process. */
export function identify(pid) {
  return { pid, startTime: startTimeOf(pid) };
}

/** Is the process described by `ident` still the one we started (and not a zombie)? */
export function isAlive(ident) {
  if (!ident || !ident.pid) return false;
  const st = startTimeOf(ident.pid);
  if (st === null || st !== ident.startTime) return false;
  try {
    const status = fs.readFileSync(`/proc/${ident.pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(status);
  } catch {
    return false;
  }
}

/**
 * Write a just-spawned detached process's { pid, startTime } to `file`, before waiting on it: when
 * the spawner is killed during the wait, the cleanup still finds the process there.
 */
export function recordSpawned(file, ident) {
  fs.writeFileSync(file, JSON.stringify(ident));
}

/** What recordSpawned wrote, or null. */
export function readSpawned(file) {
  try {
    const ident = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Number.isInteger(ident?.pid) ? ident : null;
  } catch {
    return null;
  }
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function terminate(ident, graceMs = 2000) {
  if (!isAlive(ident)) return;
  signal(ident.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(ident)) return;
    await sleep(25);
  }
  signal(ident.pid, 'SIGKILL');
  const hard = Date.now() + 2000;
  while (Date.now() < hard && isAlive(ident)) await sleep(25);
}

export function signal(pid, sig) {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Pids of every process whose mount namespace is `nsLink` (e.g. "mnt:[4026532]"). */
export function pidsInMountNs(nsLink) {
  const pids = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/ns/mnt`) === nsLink) pids.push(Number(entry));
    } catch {
      /* gone or not ours to read */
    }
  }
  return pids;
}
