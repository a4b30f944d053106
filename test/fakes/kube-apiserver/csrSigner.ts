/**
 * kube-controller-manager's csrsigning controller (pkg/controller/certificates/signer) for the
 * built-in signers, with the cluster CA (--cluster-signing-cert-file/--cluster-signing-key-file,
 * kubeadm's /etc/kubernetes/pki/ca.{crt,key}; in the fake the API server's CA, see tls.ts):
 *
 * - it acts on CSRs that are Approved, not Failed, without a certificate yet;
 * - `kubernetes.io/kube-apiserver-client`: usages may only be `digital signature`, `key encipherment`
 *   and must include `client auth`; `kubernetes.io/kube-apiserver-client-kubelet` and
 *   `kubernetes.io/kubelet-serving` want a node's request (O=system:nodes, CN=system:node:…): anything
 *   else gets a `Failed` condition (reason SignerValidationFailure) and no certificate;
 * - other signer names are not its business: an approved CSR for them stays without a certificate;
 * - the certificate keeps the request's subject, has the requested key usages, CA:FALSE, and lives
 *   min(expirationSeconds, --cluster-signing-duration = 1 year) from now, backdated 5 minutes
 *   (for durations of 8 h or more the backdate comes off the end), never past the CA's own expiry.
 *
 * Signing runs `openssl ca` (argv only) in a private temporary directory.
 */
import { execFile } from 'node:child_process';
import { X509Certificate, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../../server/log/index.js';
import { CSRS, KUBE_APISERVER_CLIENT } from './csr.js';
import type { KubeObject, ObjectStore, StoreEvent } from './store.js';

const run = promisify(execFile);
const KUBELET_CLIENT = 'kubernetes.io/kube-apiserver-client-kubelet';
const KUBELET_SERVING = 'kubernetes.io/kubelet-serving';
/** kube-controller-manager's --cluster-signing-duration default (kubeadm does not set it). */
export const CLUSTER_SIGNING_SECONDS = 365 * 24 * 3600;
const BACKDATE_MS = 5 * 60_000;
const SHORT_MS = 8 * 3600_000;

const KEY_USAGE: Record<string, string> = {
  signing: 'digitalSignature', 'digital signature': 'digitalSignature', 'content commitment': 'nonRepudiation', 'key encipherment': 'keyEncipherment',
  'key agreement': 'keyAgreement', 'data encipherment': 'dataEncipherment', 'cert sign': 'keyCertSign', 'crl sign': 'cRLSign',
  'encipher only': 'encipherOnly', 'decipher only': 'decipherOnly',
};
const EXT_KEY_USAGE: Record<string, string> = {
  any: 'anyExtendedKeyUsage', 'server auth': 'serverAuth', 'client auth': 'clientAuth', 'code signing': 'codeSigning', 'email protection': 'emailProtection',
  's/mime': 'emailProtection', 'ipsec end system': 'ipsecEndSystem', 'ipsec tunnel': 'ipsecTunnel', 'ipsec user': 'ipsecUser', timestamping: 'timeStamping',
  'ocsp signing': 'OCSPSigning', 'microsoft sgc': 'msSGC', 'netscape sgc': 'nsSGC',
};

/** The request's subject (CN, O…) and whether it names any subjectAltName, read with `openssl req`. */
interface CsrSubject {
  commonName: string;
  organizations: string[];
  hasSan: boolean;
}

async function readSubject(csrFile: string): Promise<CsrSubject> {
  const { stdout } = await run('openssl', ['req', '-in', csrFile, '-noout', '-subject', '-nameopt', 'sep_multiline,sname,utf8,esc_ctrl,esc_2253', '-text'], { timeout: 10_000, maxBuffer: 1 << 20 });
  const fields = stdout.split('\n').map((l) => /^ {4}([A-Za-z]+)=(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null);
  const value = (raw: string): string => raw.replace(/\\(.)/g, '$1');
  return {
    commonName: value(fields.find((m) => m[1] === 'CN')?.[2] ?? ''),
    organizations: fields.filter((m) => m[1] === 'O').map((m) => value(m[2]!)),
    hasSan: /X509v3 Subject Alternative Name/.test(stdout),
  };
}

/** The signer's verdict on a request: an error message (a Failed condition), or null to sign. */
export function signerRefusal(signerName: string, usages: string[], subject: CsrSubject): string | null {
  if (signerName === KUBE_APISERVER_CLIENT) {
    const bad = usages.find((u) => !['digital signature', 'key encipherment', 'client auth'].includes(u));
    if (bad) return `invalid usage for client certificate: ${bad}`;
    if (!usages.includes('client auth')) return 'missing required usage for client certificate: client auth';
    return null;
  }
  // ValidateKubeletClientCSR / ValidateKubeletServingCSR: a node's own request only.
  if (subject.organizations.length !== 1 || subject.organizations[0] !== 'system:nodes') return 'subject organization is not system:nodes';
  if (signerName === KUBELET_SERVING && !subject.hasSan) return 'DNS or IP subjectAltName is required';
  if (signerName === KUBELET_CLIENT && subject.hasSan) return 'DNS subjectAltNames are not allowed';
  const want = signerName === KUBELET_SERVING ? 'server auth' : 'client auth';
  if (!usages.includes(want) || usages.some((u) => ![want, 'digital signature', 'key encipherment'].includes(u))) return `usages did not match [digital signature key encipherment ${want}]`;
  if (!subject.commonName.startsWith('system:node:')) return 'subject common name does not begin with system:node:';
  return null;
}

/** openssl's UTCTime / GeneralizedTime for `-startdate`/`-enddate`. */
function asn1Time(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-11-30T02:00:00.000Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  return new Date(ms).getUTCFullYear() < 2050 ? `${digits.slice(2)}Z` : `${digits}Z`;
}

/** The validity kube-controller-manager gives a certificate requested now for `expirationSeconds`. */
export function validity(now: number, expirationSeconds: unknown, caNotAfter: number): { notBefore: number; notAfter: number } {
  const requested = typeof expirationSeconds === 'number' && expirationSeconds >= 600 ? expirationSeconds : CLUSTER_SIGNING_SECONDS;
  const ttl = Math.min(requested, CLUSTER_SIGNING_SECONDS) * 1000;
  const notBefore = now - BACKDATE_MS;
  const notAfter = Math.min(ttl < SHORT_MS ? now + ttl : notBefore + ttl, caNotAfter);
  return { notBefore, notAfter };
}

/** Signs `csrPem` with the CA: the issued certificate's PEM. */
async function sign(csrPem: string, usages: string[], expirationSeconds: unknown, ca: { certFile: string; keyFile: string }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'fake-csrsigning-'));
  try {
    const caNotAfter = Date.parse(new X509Certificate(readFileSync(ca.certFile)).validTo);
    const { notBefore, notAfter } = validity(Date.now(), expirationSeconds, caNotAfter);
    writeFileSync(join(dir, 'csr.pem'), csrPem);
    writeFileSync(join(dir, 'index.txt'), '');
    writeFileSync(join(dir, 'serial'), `${randomBytes(16).toString('hex').replace(/^[89a-f]/, '1')}\n`);
    writeFileSync(join(dir, 'ca.cnf'), ['[ca]', 'default_ca = signer', '[signer]', `database = ${join(dir, 'index.txt')}`, `new_certs_dir = ${dir}`, `serial = ${join(dir, 'serial')}`,
      'default_md = sha256', 'policy = anything', 'unique_subject = no', 'copy_extensions = none', '[anything]', 'commonName = optional', ''].join('\n'));
    const keyUsage = [...new Set(usages.map((u) => KEY_USAGE[u]).filter(Boolean))];
    const extKeyUsage = [...new Set(usages.map((u) => EXT_KEY_USAGE[u]).filter(Boolean))];
    writeFileSync(join(dir, 'ext.cnf'), [
      'basicConstraints = critical,CA:FALSE',
      ...(keyUsage.length > 0 ? [`keyUsage = critical,${keyUsage.join(',')}`] : []),
      ...(extKeyUsage.length > 0 ? [`extendedKeyUsage = ${extKeyUsage.join(',')}`] : []),
      'authorityKeyIdentifier = keyid', '',
    ].join('\n'));
    const out = join(dir, 'cert.pem');
    await run('openssl', ['ca', '-batch', '-notext', '-config', join(dir, 'ca.cnf'), '-in', join(dir, 'csr.pem'), '-out', out, '-cert', ca.certFile, '-keyfile', ca.keyFile,
      '-extfile', join(dir, 'ext.cnf'), '-preserveDN', '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-md', 'sha256'], { timeout: 20_000 });
    return readFileSync(out, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hasCondition = (o: KubeObject, type: string): boolean => ((o.status?.conditions ?? []) as Record<string, unknown>[]).some((c) => c.type === type && c.status === 'True');

/** Starts the signer over `store`; returns the stop function. */
export function startCsrSigner(store: ObjectStore, ca: { certFile: string; keyFile: string }, logger?: Logger): () => void {
  const busy = new Set<string>();
  let stopped = false;
  const handle = async (name: string): Promise<void> => {
    const csr = store.get(CSRS, '', name);
    if (!csr || !hasCondition(csr, 'Approved') || hasCondition(csr, 'Failed') || hasCondition(csr, 'Denied') || csr.status?.certificate) return;
    const signerName = String(csr.spec?.signerName ?? '');
    if (![KUBE_APISERVER_CLIENT, KUBELET_CLIENT, KUBELET_SERVING].includes(signerName)) return;
    const usages = ((csr.spec?.usages ?? []) as unknown[]).map(String);
    const csrPem = Buffer.from(String(csr.spec?.request ?? ''), 'base64').toString('utf8');
    const dir = mkdtempSync(join(tmpdir(), 'fake-csr-'));
    let refusal: string | null;
    try {
      writeFileSync(join(dir, 'csr.pem'), csrPem);
      refusal = signerRefusal(signerName, usages, await readSubject(join(dir, 'csr.pem')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const certificate = refusal === null ? await sign(csrPem, usages, csr.spec?.expirationSeconds, ca) : undefined;
    const latest = store.get(CSRS, '', name);
    if (stopped || !latest || latest.metadata.uid !== csr.metadata.uid || latest.status?.certificate) return;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = { ...(latest.status ?? {}) };
    if (certificate !== undefined) status.certificate = Buffer.from(certificate).toString('base64');
    else status.conditions = [...(status.conditions ?? []), { type: 'Failed', status: 'True', reason: 'SignerValidationFailure', message: refusal, lastUpdateTime: now, lastTransitionTime: now }];
    store.update(CSRS, { ...latest, status });
  };
  const again = new Set<string>();
  const queue = (name: string): void => {
    if (stopped) return;
    if (busy.has(name)) {
      again.add(name); // changed while being handled: look once more afterwards
      return;
    }
    busy.add(name);
    void handle(name)
      .catch((e: Error) => logger?.warn('fake csrsigning: signing failed', { err: e, csr: name }))
      .finally(() => {
        busy.delete(name);
        if (again.delete(name)) queue(name);
      });
  };
  const onChange = (ev: StoreEvent): void => {
    if (ev.rt === CSRS && ev.type !== 'DELETED') queue(ev.object.metadata.name);
  };
  store.events.on('change', onChange);
  for (const csr of store.list(CSRS)) queue(csr.metadata.name);
  return () => {
    stopped = true;
    store.events.off('change', onChange);
  };
}
