/**
 * A self-signed serving certificate for 127.0.0.1, made once per cluster dir with the
 * `openssl` CLI (argv array, no shell). kubectl only sends bearer tokens over TLS, so the
 * fake answers HTTPS as well as plain HTTP on the same port.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface ServingCert {
  cert: string;
  key: string;
}

/** Reads `<dir>/tls.crt|tls.key`, creating them first when missing. */
export async function ensureServingCert(dir: string): Promise<ServingCert> {
  const certFile = join(dir, 'tls.crt');
  const keyFile = join(dir, 'tls.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '3650', '-subj', '/CN=kube-apiserver',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default',
    ], { timeout: 20_000 });
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
