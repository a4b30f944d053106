/**
 * The kubelet's serving certificate when no tlsCertFile is configured and serverTLSBootstrap is off
 * (kind's case): like the real kubelet (client-go's cert.GenerateSelfSignedCertKey), a throw-away
 * CA `CN=<host>-ca@<unix time>` signs `CN=<host>@<unix time>` with SAN DNS:<host>, written once to
 * /var/lib/kubelet/pki/kubelet.crt (certificate, then the CA) and kubelet.key, and reused after.
 * Made with the `openssl` CLI (argv arrays, no shell).
 */
import { execFile } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A file of the node (`path` as the node sees it), at most `max` bytes. The learner is root on the
 * node: a symlink leading out of the node's root is not followed (ENOENT, as if missing).
 */
export function readInNode(nodeRoot: string, path: string, max = 1024 * 1024): string {
  const real = insideNode(nodeRoot, join(nodeRoot, path), path);
  const fd = openSync(real, 'r');
  try {
    const buf = Buffer.alloc(max);
    const n = readSync(fd, buf, 0, max, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** `file`'s real path when it stays inside the node's root; else an ENOENT error naming `shown`. */
function insideNode(nodeRoot: string, file: string, shown: string): string {
  const real = realpathSync(file);
  if (!real.startsWith(`${realpathSync(nodeRoot)}/`)) throw Object.assign(new Error(`open ${shown}: no such file or directory`), { code: 'ENOENT' });
  return real;
}

/** The PEM pair at `<nodeRoot>/var/lib/kubelet/pki/kubelet.{crt,key}`, made first when missing. */
export async function ensureKubeletCert(nodeRoot: string, host: string): Promise<{ cert: string; key: string }> {
  const dir = join(nodeRoot, 'var/lib/kubelet/pki');
  mkdirSync(dir, { recursive: true });
  insideNode(nodeRoot, dir, '/var/lib/kubelet/pki'); // never write through a symlink out of the node
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
  return { cert: readInNode(nodeRoot, '/var/lib/kubelet/pki/kubelet.crt'), key: readInNode(nodeRoot, '/var/lib/kubelet/pki/kubelet.key') };
}

/** A node PEM file's certificates, or undefined when it holds none (a fake node's placeholder CA). */
export function readPemCerts(nodeRoot: string, path: string): string | undefined {
  try {
    const text = readInNode(nodeRoot, path, 256 * 1024);
    return /-----BEGIN CERTIFICATE-----/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}
