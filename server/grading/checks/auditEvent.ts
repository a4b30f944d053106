/**
 * `auditEvent`: the grader makes its own requests to the API, each with a unique `Audit-ID`
 * header (kube-apiserver records it as the event's auditID), then reads the audit log on the node
 * for their events and judges each request's level, stages and objects — or its absence. The log
 * is the learner's file: read only the lines holding this check's id prefix (grep -F on the node,
 * time- and size-bounded), a regular file only, each line parsed on its own with a size cap.
 */
import { randomUUID } from 'node:crypto';
import type { AuditEventCheck, AuditEventExpectation, AuditProbeRequest } from '../../scenarios/types.js';
import { ProbeError, type CheckResult, type ClusterProbes } from '../types.js';

/** Bytes of matching log lines read per attempt, and the longest line parsed. */
const MAX_READ_BYTES = 4 * 1024 * 1024;
const MAX_LINE_BYTES = 1024 * 1024;
const POLL_MS = 200;
/** After the logged requests' events are found, one more read this much later (for the absences). */
const SETTLE_MS = 300;

/** Reads the lines of a regular file holding a fixed string; exit 3: no such file, 4: not a regular file. */
const READ_SCRIPT = [
  'f=$1; id=$2; cap=$3',
  '[ -e "$f" ] || { echo "no such file" >&2; exit 3; }',
  '[ -f "$f" ] || { echo "not a regular file" >&2; exit 4; }',
  'timeout 5 grep -a -F -e "$id" -- "$f" | head -c "$cap"',
  'exit 0',
].join('\n');

interface Event {
  raw: string;
  level?: string;
  stage?: string;
  requestObject?: unknown;
  responseObject?: unknown;
}

export async function runAuditEventCheck(check: AuditEventCheck, probes: ClusterProbes, signal: AbortSignal): Promise<Omit<CheckResult, 'id'>> {
  if (!probes.apiRequest) throw new ProbeError('these probes cannot send raw API requests (auditEvent checks need apiRequest)');
  const prefix = `cks-lab-audit-${randomUUID()}`;
  const ids = check.requests.map((_, i) => `${prefix}-${i}`);
  for (const [i, r] of check.requests.entries()) await send(probes, r, ids[i]!);

  const deadline = Date.now() + (check.waitSeconds ?? 5) * 1000;
  let attempt = 0;
  let read = await readEvents(probes, check, prefix, attempt++);
  const needed = check.requests.map((r, i) => (r.expect.logged ? ids[i]! : undefined)).filter((x): x is string => x !== undefined);
  while (!('missing' in read) && !needed.every((id) => settled(read as Map<string, Event[]>, id)) && Date.now() < deadline && !signal.aborted) {
    await sleep(POLL_MS);
    read = await readEvents(probes, check, prefix, attempt++);
  }
  if (!('missing' in read) && check.requests.some((r) => !r.expect.logged)) {
    await sleep(SETTLE_MS);
    read = await readEvents(probes, check, prefix, attempt++);
  }
  const expected = check.requests.map((r) => `${label(r)}: ${expectationText(r.expect)}`).join('; ');
  if ('missing' in read) {
    return { status: 'fail', message: `${check.description}: ${read.missing}`, expected, actual: read.missing };
  }
  const events = read;
  const findings = check.requests.map((r, i) => judge(r, events.get(ids[i]!) ?? [], check.requests.slice(i + 1).some((_, j) => (events.get(ids[i + 1 + j]!) ?? []).length > 0), check.logPath));
  const failed = findings.filter((f) => !f.ok);
  const actual = findings.map((f, i) => `${label(check.requests[i]!)}: ${f.text}`).join('; ');
  if (failed.length === 0) return { status: 'pass', message: `${check.description}: ${actual}`, expected, actual };
  const first = check.requests[findings.indexOf(failed[0]!)]!;
  return { status: 'fail', message: `${check.description}: ${label(first)} — ${failed[0]!.text}`, expected, actual };
}

/** `get secrets billing/ledger-db`, `list pods in billing`. */
function label(r: AuditProbeRequest): string {
  const where = r.name ? `${r.namespace ? `${r.namespace}/` : ''}${r.name}` : r.namespace ? `in ${r.namespace}` : 'cluster-wide';
  return `${r.verb} ${r.resource} ${where}`;
}

function expectationText(e: AuditEventExpectation): string {
  if (!e.logged) return 'no event';
  const parts = [`logged${e.level ? ` at ${e.level}` : ''}`];
  if (e.stages) parts.push(`stages exactly ${e.stages.join(', ')}`);
  if (e.requestObject !== undefined) parts.push(e.requestObject ? 'with requestObject' : 'no requestObject');
  if (e.responseObject !== undefined) parts.push(e.responseObject ? 'with responseObject' : 'no responseObject');
  if (e.notContains?.length) parts.push(`never containing ${e.notContains.map((s) => JSON.stringify(s)).join(', ')}`);
  return parts.join(', ');
}

/** The request as the grader's admin credentials send it, with its Audit-ID; it must succeed. */
async function send(probes: ClusterProbes, r: AuditProbeRequest, auditId: string): Promise<void> {
  const base = r.apiVersion === 'v1' ? '/api/v1' : `/apis/${r.apiVersion}`;
  const path = `${base}${r.namespace ? `/namespaces/${encodeURIComponent(r.namespace)}` : ''}/${encodeURIComponent(r.resource)}${r.name ? `/${encodeURIComponent(r.name)}` : ''}`;
  const patch = r.verb === 'patch';
  const answer = await probes.apiRequest!({
    method: patch ? 'PATCH' : 'GET',
    path,
    headers: { 'Audit-ID': auditId },
    ...(patch ? { body: JSON.stringify(r.patch ?? {}), contentType: 'application/merge-patch+json' } : {}),
  });
  if (answer.code < 200 || answer.code > 299) {
    const message = statusMessage(answer.body);
    throw new ProbeError(`the grader's own request (${label(r)}) was answered HTTP ${answer.code}${message ? `: ${message}` : ''} — the object it uses must exist`);
  }
}

function statusMessage(body: string): string {
  try {
    const o = JSON.parse(body) as { message?: unknown };
    return typeof o.message === 'string' ? o.message : '';
  } catch {
    return body.trim().slice(0, 120);
  }
}

/** The events of this check's requests, by auditID, or why the log cannot be read. */
async function readEvents(probes: ClusterProbes, check: AuditEventCheck, prefix: string, attempt: number): Promise<Map<string, Event[]> | { missing: string }> {
  // The attempt number makes every read a new command (probes may reuse a command's answer within a grade).
  const out = await probes.nodeExec(['sh', '-c', READ_SCRIPT, 'audit-read', check.logPath, prefix, String(MAX_READ_BYTES), String(attempt)], check.node);
  if (out.exitCode === 3) return { missing: `the audit log ${check.logPath} does not exist on the node (kube-apiserver writes it only where its pod mounts that directory from the node)` };
  if (out.exitCode === 4) return { missing: `${check.logPath} on the node is not a regular file` };
  if (out.exitCode !== 0) throw new ProbeError(`could not read ${check.logPath} on the node: ${(out.stderr || out.stdout).trim().split('\n')[0] ?? `exit ${out.exitCode}`}`);
  const byId = new Map<string, Event[]>();
  for (const raw of out.stdout.split('\n')) {
    if (raw === '' || raw.length > MAX_LINE_BYTES) continue;
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      continue; // a cut line at the read cap, or not JSON (--audit-log-format=legacy)
    }
    if (e === null || typeof e !== 'object' || typeof e.auditID !== 'string' || !e.auditID.startsWith(prefix)) continue;
    const list = byId.get(e.auditID) ?? [];
    list.push({ raw, ...(typeof e.level === 'string' ? { level: e.level } : {}), ...(typeof e.stage === 'string' ? { stage: e.stage } : {}), requestObject: e.requestObject, responseObject: e.responseObject });
    byId.set(e.auditID, list);
  }
  return byId;
}

/** The request's last event is in: its ResponseComplete (or Panic). */
function settled(events: Map<string, Event[]>, id: string): boolean {
  return (events.get(id) ?? []).some((e) => e.stage === 'ResponseComplete' || e.stage === 'Panic');
}

function judge(r: AuditProbeRequest, events: Event[], laterLogged: boolean, logPath: string): { ok: boolean; text: string } {
  const e = r.expect;
  const seen = describe(events);
  if (!e.logged) {
    if (events.length > 0) return { ok: false, text: `logged (${seen}), expected no event` };
    if (!laterLogged) return { ok: false, text: `no event, but no later request of this check was logged either, so the log does not show it was left out (is ${logPath} being written?)` };
    return { ok: true, text: 'no event' };
  }
  if (events.length === 0) return { ok: false, text: `no event in ${logPath}` };
  const problems: string[] = [];
  const levels = [...new Set(events.map((x) => x.level ?? '?'))];
  if (e.level && levels.some((l) => l !== e.level)) problems.push(`level ${levels.join('/')}, expected ${e.level}`);
  const stages = [...new Set(events.map((x) => x.stage ?? '?'))];
  if (e.stages && (stages.length !== new Set(e.stages).size || stages.some((s) => !e.stages!.includes(s as never)))) problems.push(`stages ${stages.join(', ')}, expected exactly ${e.stages.join(', ')}`);
  const hasReq = events.some((x) => x.requestObject !== undefined);
  const hasResp = events.some((x) => x.responseObject !== undefined);
  if (e.requestObject !== undefined && hasReq !== e.requestObject) problems.push(e.requestObject ? 'no requestObject' : 'a requestObject is logged');
  if (e.responseObject !== undefined && hasResp !== e.responseObject) problems.push(e.responseObject ? 'no responseObject' : 'a responseObject is logged');
  const leaked = (e.notContains ?? []).filter((s) => events.some((x) => x.raw.includes(s)));
  if (leaked.length > 0) problems.push(`the log holds ${leaked.map((s) => JSON.stringify(s)).join(', ')}`);
  return problems.length === 0 ? { ok: true, text: seen } : { ok: false, text: `${problems.join('; ')} (${seen})` };
}

/** `Metadata at ResponseComplete, no objects`. */
function describe(events: Event[]): string {
  if (events.length === 0) return 'no event';
  const levels = [...new Set(events.map((x) => x.level ?? '?'))].join('/');
  const stages = events.map((x) => x.stage ?? '?').join(', ');
  const objects = [events.some((x) => x.requestObject !== undefined) ? 'requestObject' : '', events.some((x) => x.responseObject !== undefined) ? 'responseObject' : ''].filter(Boolean);
  return `${levels} at ${stages}, ${objects.length > 0 ? `with ${objects.join(' and ')}` : 'no objects'}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
