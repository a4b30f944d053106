/**
 * Certificates of the in-cluster webhook servers the fake simulates (istiod, Kyverno, Gatekeeper):
 * a CA (new and self-signed, or one already kept in a Secret) and a serving certificate it signs for
 * the Service's DNS names, made with the openssl CLI (argv arrays, no shell) in a temp dir that is
 * removed afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCerts {
  caCrt: string;
  caKey: string;
  crt: string;
  key: string;
}

export interface ServingCertsOptions {
  /** The CA: an existing one, or the subject and lifetime of a new self-signed one. */
  ca: { caCrt: string; caKey: string } | { subject: string; days: number };
  /** The serving certificate's subject, its subjectAltName DNS names and lifetime. */
  subject: string;
  dnsNames: string[];
  days: number;
  /** The keys' algorithm, as the component makes them (default EC P-256). */
  key?: 'ec' | 'rsa';
}

export async function makeServingCerts(opts: ServingCertsOptions): Promise<ServingCerts> {
  const dir = mkdtempSync(join(tmpdir(), 'cks-fake-certs-'));
  try {
    const f = (n: string): string => join(dir, n);
    const openssl = (...args: string[]): Promise<unknown> => run('openssl', args, { timeout: 20_000 });
    const newKey = opts.key === 'rsa' ? ['-newkey', 'rsa:2048', '-nodes'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    if ('caKey' in opts.ca) {
      writeFileSync(f('ca.crt'), opts.ca.caCrt);
      writeFileSync(f('ca.key'), opts.ca.caKey, { mode: 0o600 });
    } else {
      await openssl('req', '-x509', ...newKey, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', String(opts.ca.days), '-subj', opts.ca.subject);
    }
    await openssl('req', ...newKey, '-keyout', f('tls.key'), '-out', f('tls.csr'), '-subj', opts.subject);
    writeFileSync(f('ext'), `subjectAltName=${opts.dnsNames.map((n) => `DNS:${n}`).join(',')}\n`);
    await openssl('x509', '-req', '-in', f('tls.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('tls.crt'), '-days', String(opts.days), '-extfile', f('ext'));
    return { caCrt: readFileSync(f('ca.crt'), 'utf8'), caKey: readFileSync(f('ca.key'), 'utf8'), crt: readFileSync(f('tls.crt'), 'utf8'), key: readFileSync(f('tls.key'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
