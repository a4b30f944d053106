/**
 * The kubelet's serving certificate when no tlsCertFile is configured and serverTLSBootstrap is off
 * (kind's case): like the real kubelet (client-go's cert.GenerateSelfSignedCertKey), a throw-away
 * CA `CN=<host>-ca@<unix time>` signs `CN=<host>@<unix time>` with SAN DNS:<host>, written once to
 * /var/lib/kubelet/pki/kubelet.crt (certificate, then the CA) and kubelet.key, and reused after.
 * Made with the `openssl` CLI (argv arrays, no shell).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The PEM pair at `<nodeRoot>/var/lib/kubelet/pki/kubelet.{crt,key}`, made first when missing. */
export async function ensureKubeletCert(nodeRoot: string, host: string): Promise<{ cert: string; key: string }> {
  const dir = join(nodeRoot, 'var/lib/kubelet/pki');
  const certFile = join(dir, 'kubelet.crt');
  const keyFile = join(dir, 'kubelet.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'kubelet-cert-'));
    try {
      const ts = Math.floor(Date.now() / 1000);
      const opts = { timeout: 20_000 };
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'ca.key'), '-out', join(work, 'ca.crt'), '-days', '365', '-subj', `/CN=${host}-ca@${ts}`], opts);
      await run('openssl', [
        'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(work, 'kubelet.key'), '-out', join(work, 'kubelet.crt'), '-days', '365',
        '-subj', `/CN=${host}@${ts}`, '-CA', join(work, 'ca.crt'), '-CAkey', join(work, 'ca.key'),
        '-addext', `subjectAltName=DNS:${host}`, '-addext', 'extendedKeyUsage=serverAuth', '-addext', 'basicConstraints=critical,CA:FALSE',
      ], opts);
      writeFileSync(certFile, readFileSync(join(work, 'kubelet.crt'), 'utf8') + readFileSync(join(work, 'ca.crt'), 'utf8'), { mode: 0o644 });
      writeFileSync(keyFile, readFileSync(join(work, 'kubelet.key'), 'utf8'), { mode: 0o600 });
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A PEM file's certificates, or undefined when it holds none (a fake node's placeholder CA). */
export function readPemCerts(file: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').slice(0, 256 * 1024);
    return /-----BEGIN CERTIFICATE-----/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}
