/**
 * `nodeHttp` checks: an HTTP(S) request made with curl on a node (kindest/node ships curl), judged
 * by its effect — the status code, the body, the server certificate's subject, or a refused
 * connection (curl exit 7). The argv is built here from a validated URL (http/https, no
 * credentials, no spaces); a ServiceAccount's bearer token comes from a TokenRequest. Everything
 * the node prints is bounded and parsed as hostile input.
 */
import type { NodeHttpCheck, NodeHttpExpectation } from '../../scenarios/types.js';
import { ProbeError, type CheckResult, type CheckRunner, type ExecOutcome } from '../types.js';
import { httpUrlProblem } from '../../scenarios/httpUrl.js';
import { excerpt, quoted } from './describe.js';

/** kube-apiserver's secure port on a kubeadm (kind) control plane. */
const API_SERVER_PORT = '6443';

/** Marks the status line curl's --write-out appends after the body. */
const MARK = '\n__cks_http__ ';
const MAX_BODY = 64 * 1024;

/** curl's argv for the check (token: a bearer token to send). */
export function curlArgv(check: NodeHttpCheck, token?: string): string[] {
  const seconds = String(check.timeoutSeconds ?? 5);
  const argv = ['curl', '-sS', '-v', '--max-time', seconds, '--connect-timeout', seconds, '--max-filesize', String(1024 * 1024), '-o', '-', '-w', `${MARK}%{http_code}`];
  if (check.insecure) argv.push('-k');
  const tls = check.tls ?? {};
  if (tls.cacert) argv.push('--cacert', tls.cacert);
  if (tls.cert) argv.push('--cert', tls.cert);
  if (tls.key) argv.push('--key', tls.key);
  if (tls.minVersion) argv.push(`--tlsv${tls.minVersion}`);
  if (tls.maxVersion) argv.push('--tls-max', tls.maxVersion);
  if (check.method === 'HEAD') argv.push('-I');
  else if (check.method && check.method !== 'GET') argv.push('-X', check.method);
  if (token !== undefined) argv.push('-H', `Authorization: Bearer ${token}`);
  argv.push('--url', check.url);
  return argv;
}

/** What came back: an HTTP answer, or the connection's failure. */
export type HttpOutcome =
  | { kind: 'http'; status: number; body: string; certSubject?: string }
  | { kind: 'refused'; detail: string }
  | { kind: 'handshakeRefused'; curlExit: number; detail: string }
  | { kind: 'failed'; curlExit: number; detail: string };

/** Reads curl's output (stdout body + status mark, stderr verbose lines) into an outcome. */
export function parseCurl(outcome: ExecOutcome): HttpOutcome {
  const stderr = outcome.stderr.slice(-MAX_BODY);
  const errorLine = stderr.split('\n').reverse().find((l) => /^curl: \(\d+\)/.test(l)) ?? '';
  if (outcome.exitCode === 7) return { kind: 'refused', detail: errorLine };
  // The server ended the handshake with an alert: exit 35, or 56 when a TLS 1.3 server sends it after its Finished.
  if (outcome.exitCode === 35 || (outcome.exitCode === 56 && /alert/i.test(errorLine))) return { kind: 'handshakeRefused', curlExit: outcome.exitCode, detail: errorLine };
  const at = outcome.stdout.lastIndexOf(MARK);
  const status = at < 0 ? NaN : Number(outcome.stdout.slice(at + MARK.length).trim());
  if (outcome.exitCode !== 0 || !Number.isInteger(status) || status === 0) {
    if (outcome.exitCode === 127 || /curl: (not found|command not found)/.test(stderr)) throw new ProbeError('curl is not installed on the node');
    return { kind: 'failed', curlExit: outcome.exitCode, detail: errorLine || excerpt(stderr, 160) };
  }
  const subject = /^\*\s+subject:\s*(.*)$/m.exec(stderr)?.[1]?.trim();
  return { kind: 'http', status, body: outcome.stdout.slice(0, Math.min(at, MAX_BODY)), ...(subject ? { certSubject: subject } : {}) };
}

/** `host:port` of the URL (default ports filled in), for messages. */
function endpoint(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}

/** The expectation in words. */
export function nodeHttpExpected(check: NodeHttpCheck): string {
  const e = check.expect;
  if (e.refused) return `connection refused on ${endpoint(check.url)}`;
  if (e.handshakeRefused) return `the TLS handshake with ${endpoint(check.url)} refused${tlsOffer(check)}`;
  const parts: string[] = [];
  if (e.status !== undefined) parts.push(`HTTP ${e.status}`);
  if (e.statusOneOf) parts.push(`HTTP ${e.statusOneOf.join(' or ')}`);
  if (parts.length === 0) parts.push('an HTTP answer');
  for (const t of e.bodyContains ?? []) parts.push(`body containing "${t}"`);
  for (const t of e.bodyNotContains ?? []) parts.push(`body without "${t}"`);
  if (e.certSubjectContains !== undefined) parts.push(`a server certificate whose subject contains "${e.certSubjectContains}"`);
  return `${parts.join(', ')} from ${check.url}`;
}

/** What curl offered in the handshake, for messages: ` (TLS 1.2 at most, no client certificate)`. */
function tlsOffer(check: NodeHttpCheck): string {
  const t = check.tls ?? {};
  const parts: string[] = [];
  if (t.minVersion) parts.push(`TLS ${t.minVersion} or later`);
  if (t.maxVersion) parts.push(`TLS ${t.maxVersion} at most`);
  parts.push(t.cert ? `client certificate ${t.cert}` : 'no client certificate');
  return ` (${parts.join(', ')})`;
}

function found(o: HttpOutcome, timeoutSeconds: number): string {
  if (o.kind === 'refused') return `connection refused${o.detail ? ` (${o.detail})` : ''}`;
  if (o.kind === 'handshakeRefused') return `the TLS handshake refused (${o.detail || `curl exited with ${o.curlExit}`})`;
  if (o.kind === 'failed') return o.curlExit === 28 ? `no answer within ${timeoutSeconds} s (${o.detail})` : `no HTTP answer: ${o.detail || `curl exited with ${o.curlExit}`}`;
  return `HTTP ${o.status} ${quoted(o.body, 160)}`;
}

/** Judges an outcome against the expectation: the first unmet part, or undefined when met. */
export function judgeHttp(e: NodeHttpExpectation, o: HttpOutcome): 'unmet' | undefined {
  if (e.refused) return o.kind === 'refused' ? undefined : 'unmet';
  if (e.handshakeRefused) return o.kind === 'handshakeRefused' ? undefined : 'unmet';
  if (o.kind !== 'http') return 'unmet';
  if (e.status !== undefined && o.status !== e.status) return 'unmet';
  if (e.statusOneOf && !e.statusOneOf.includes(o.status)) return 'unmet';
  if ((e.bodyContains ?? []).some((t) => !o.body.includes(t))) return 'unmet';
  if ((e.bodyNotContains ?? []).some((t) => o.body.includes(t))) return 'unmet';
  if (e.certSubjectContains !== undefined && !(o.certSubject ?? '').includes(e.certSubjectContains)) return 'unmet';
  return undefined;
}

export const runNodeHttpCheck: CheckRunner<NodeHttpCheck> = async (check, probes) => {
  const problem = httpUrlProblem(check.url);
  if (problem) throw new ProbeError(`the check's URL ${problem}`);
  let token: string | undefined;
  if (check.auth) {
    if (!probes.serviceAccountToken) throw new ProbeError('these probes cannot get a ServiceAccount token');
    token = await probes.serviceAccountToken(check.auth.serviceAccount.namespace, check.auth.serviceAccount.name);
  }
  const argv = curlArgv(check, token);
  let outcome = parseCurl(await probes.nodeExec(argv, check.node));
  // A component restarting refuses connections for a while: try again, at most waitSeconds — but not
  // for kube-apiserver when its container is crash-looping or gone (the engine then says why at once).
  const until = Date.now() + (check.waitSeconds ?? 0) * 1000;
  const apiPort = new URL(check.url).port === API_SERVER_PORT;
  while (outcome.kind === 'refused' && !check.expect.refused && Date.now() + 1000 <= until) {
    if (apiPort && probes.apiHealth && ['crashLoop', 'gone'].includes((await probes.apiHealth()).state)) break;
    await new Promise((r) => setTimeout(r, 1000));
    outcome = parseCurl(await probes.nodeExec(argv, check.node));
  }
  const expected = nodeHttpExpected(check);
  const who = check.auth ? ` as ServiceAccount ${check.auth.serviceAccount.namespace}/${check.auth.serviceAccount.name}` : '';
  let actual = found(outcome, check.timeoutSeconds ?? 5);
  if (outcome.kind === 'http' && check.expect.certSubjectContains !== undefined) actual += `, certificate subject ${outcome.certSubject ? `"${outcome.certSubject}"` : '(none: not HTTPS)'}`;
  const result: Omit<CheckResult, 'id'> = judgeHttp(check.expect, outcome) === undefined
    ? { status: 'pass', message: check.description, expected, actual }
    : { status: 'fail', message: `${check.description}: expected ${expected}${who}, found ${actual}`, expected, actual };
  return result;
};
