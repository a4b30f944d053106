/**
 * kube-apiserver's serving TLS flags (k8s.io/apiserver SecureServingOptions, component-base's
 * cli/flag): --tls-min-version (VersionTLS10…13; default TLS 1.2 in v1.34) and --tls-cipher-suites
 * (Go's crypto/tls names). A bad value or a flag of that family kube-apiserver does not have
 * (e.g. --tls-max-version) makes it exit at start, as the real one does.
 */
import type { SecureVersion } from 'node:tls';

/** What the fake's HTTPS listener applies; undefined = Node's defaults (TLS 1.2 minimum, like Go). */
export interface ServingTls {
  minVersion: SecureVersion;
  /** Validated names; the fake does not narrow TLS 1.2 suites (TLS 1.3 ignores them, as in Go). */
  cipherSuites: string[];
}

const VERSIONS: Record<string, SecureVersion> = { VersionTLS10: 'TLSv1', VersionTLS11: 'TLSv1.1', VersionTLS12: 'TLSv1.2', VersionTLS13: 'TLSv1.3' };

/** crypto/tls CipherSuites() and InsecureCipherSuites() names, plus the two legacy names component-base keeps. */
const CIPHER_SUITES = new Set([
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA',
  'TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256',
  'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305', 'TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305',
  'TLS_RSA_WITH_RC4_128_SHA', 'TLS_RSA_WITH_3DES_EDE_CBC_SHA', 'TLS_RSA_WITH_AES_128_CBC_SHA', 'TLS_RSA_WITH_AES_256_CBC_SHA',
  'TLS_RSA_WITH_AES_128_CBC_SHA256', 'TLS_RSA_WITH_AES_128_GCM_SHA256', 'TLS_RSA_WITH_AES_256_GCM_SHA384',
  'TLS_ECDHE_ECDSA_WITH_RC4_128_SHA', 'TLS_ECDHE_RSA_WITH_RC4_128_SHA', 'TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA',
  'TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256',
]);

/** kube-apiserver's --tls-* flags (v1.34). */
const TLS_FLAGS = new Set(['--tls-cert-file', '--tls-private-key-file', '--tls-min-version', '--tls-cipher-suites', '--tls-sni-cert-key', '--tls-curve-preferences']);

/** The serving TLS a kube-apiserver started with `args` uses, or the error it exits with. */
export function servingTlsFromFlags(args: string[]): ServingTls | { error: string } {
  let minVersion: SecureVersion = 'TLSv1.2';
  const cipherSuites: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--tls')) continue;
    const eq = arg.indexOf('=');
    const flag = eq < 0 ? arg : arg.slice(0, eq);
    if (!TLS_FLAGS.has(flag)) return { error: `unknown flag: ${flag}` };
    const value = eq < 0 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined) return { error: `flag needs an argument: ${flag}` };
    if (flag === '--tls-min-version') {
      // An empty value means the default.
      if (value === '') continue;
      const v = VERSIONS[value];
      if (!v) return { error: `unknown tls version ${JSON.stringify(value)}` };
      minVersion = v;
    } else if (flag === '--tls-cipher-suites') {
      for (const name of value.split(',').filter((s) => s !== '')) {
        if (!CIPHER_SUITES.has(name)) return { error: `Cipher suite ${name} not supported or doesn't exist` };
        cipherSuites.push(name);
      }
    }
  }
  return { minVersion, cipherSuites };
}
