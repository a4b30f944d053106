/**
 * certificates.k8s.io/v1 CertificateSigningRequests as kube-apiserver v1.34 serves them
 * (pkg/registry/certificates, pkg/apis/certificates/validation):
 *
 * - create: the requester's identity is recorded in spec.username/groups/uid/extra (whatever the
 *   body says), status is cleared, and the object is validated — spec.request must be a PEM
 *   `CERTIFICATE REQUEST` whose self-signature verifies (checked with the `openssl` CLI, argv only),
 *   usages present, known and not repeated, signerName of the form `example.com/name` and not
 *   `kubernetes.io/legacy-unknown`, expirationSeconds ≥ 600.
 * - update or patch of the main resource: only metadata changes (spec and status are kept); a
 *   server-side apply that creates one is a create.
 * - the `approval` subresource (what `kubectl certificate approve|deny` PUTs): only
 *   status.conditions changes; Approved/Denied must be `True`, exclusive, not duplicated, never
 *   removed; the caller needs `approve` on `signers` for the CSR's signerName (the
 *   CertificateApproval admission plugin).
 *
 * Signing is kube-controller-manager's job: see csrSigner.ts.
 */
import { execFileSync } from 'node:child_process';
import type { ApiAnswer, ResourceApi, ResourceRequest } from './api.js';
import { authorizeChain } from './nodeAuthorizer.js';
import type { UserInfo } from './rbac.js';
import { findResource } from './resources.js';
import { badRequest, methodNotAllowed, StatusError, type StatusCause } from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import YAML from 'yaml';

export const CSRS = findResource('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
export const KUBE_APISERVER_CLIENT = 'kubernetes.io/kube-apiserver-client';
const LEGACY_UNKNOWN = 'kubernetes.io/legacy-unknown';

/** pkg/apis/certificates: every KeyUsage the API accepts (sorted, as the NotSupported message lists them). */
export const KEY_USAGES = [
  'any', 'cert sign', 'client auth', 'code signing', 'content commitment', 'crl sign', 'data encipherment', 'decipher only',
  'digital signature', 'email protection', 'encipher only', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'key agreement',
  'key encipherment', 'microsoft sgc', 'netscape sgc', 'ocsp signing', 's/mime', 'server auth', 'signing', 'timestamping',
];

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function invalidCsr(name: string, causes: StatusCause[]): StatusError {
  const text = causes.map((c) => `${c.field}: ${c.message}`).join(', ');
  return new StatusError({
    kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Invalid', code: 422,
    message: `CertificateSigningRequest.certificates.k8s.io "${name}" is invalid: ${causes.length > 1 ? `[${text}]` : text}`,
    details: { name, group: 'certificates.k8s.io', kind: 'CertificateSigningRequest', causes },
  });
}

/** Why spec.request is not a CSR the API server accepts (x509.ParseCertificateRequest + CheckSignature), or null. */
export function requestError(requestB64: unknown): string | null {
  if (typeof requestB64 !== 'string' || requestB64 === '') return 'PEM block type must be CERTIFICATE REQUEST';
  const pem = Buffer.from(requestB64, 'base64').toString('latin1');
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END \1-----/.exec(pem);
  if (!m || (m[1] !== 'CERTIFICATE REQUEST' && m[1] !== 'NEW CERTIFICATE REQUEST')) return 'PEM block type must be CERTIFICATE REQUEST';
  try {
    execFileSync('openssl', ['req', '-noout', '-verify'], { input: m[0], timeout: 10_000, stdio: ['pipe', 'ignore', 'pipe'] });
    return null;
  } catch (e) {
    const text = String((e as { stderr?: Buffer }).stderr ?? '');
    return /verify fail|signature/i.test(text) ? 'x509: ECDSA verification failure' : 'asn1: structure error: tags don\'t match';
  }
}

function signerNameErrors(name: string): StatusCause[] {
  const field = 'spec.signerName';
  if (name === '') return [{ reason: 'FieldValueRequired', field, message: 'Required value: signerName must be provided' }];
  const segments = name.split('/');
  if (segments.length !== 2) return [{ reason: 'FieldValueInvalid', field, message: `Invalid value: "${name}": must be a fully qualified domain and path of the form 'example.com/signer-name'` }];
  const [domain, path] = segments as [string, string];
  const causes: StatusCause[] = [];
  const badLabel = domain.split('.').find((l) => !DNS_LABEL.test(l));
  if (badLabel !== undefined) causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${domain}": validating label "${badLabel}": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')` });
  if (domain.split('.').length < 2) causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${domain}": should be a domain with at least two segments separated by dots` });
  const badPath = path.split('.').find((l) => !DNS_LABEL.test(l));
  if (badPath !== undefined) causes.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${path}": validating label "${badPath}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')` });
  return causes;
}

/** Status conditions: type required, Approved/Denied/Failed only `True`, Approved xor Denied, no duplicate types. */
function conditionErrors(conditions: unknown): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!Array.isArray(conditions)) return causes;
  const seen = new Set<string>();
  let approved = false;
  let denied = false;
  conditions.forEach((c: Record<string, unknown>, i) => {
    const field = `status.conditions[${i}]`;
    const type = String(c?.type ?? '');
    const status = String(c?.status ?? '');
    if (type === '') causes.push({ reason: 'FieldValueRequired', field: `${field}.type`, message: 'Required value' });
    const allowed = ['Approved', 'Denied', 'Failed'].includes(type) ? ['True'] : ['False', 'True', 'Unknown'];
    if (status === '') causes.push({ reason: 'FieldValueRequired', field: `${field}.status`, message: 'Required value' });
    else if (!allowed.includes(status)) causes.push({ reason: 'FieldValueNotSupported', field: `${field}.status`, message: `Unsupported value: "${status}": supported values: ${allowed.map((a) => `"${a}"`).join(', ')}` });
    if (type === 'Approved') approved = true;
    if (type === 'Denied') denied = true;
    if ((type === 'Approved' && denied) || (type === 'Denied' && approved)) causes.push({ reason: 'FieldValueInvalid', field: `${field}.type`, message: `Invalid value: "${type}": Approved and Denied conditions are mutually exclusive` });
    if (seen.has(type)) causes.push({ reason: 'FieldValueDuplicate', field: `${field}.type`, message: `Duplicate value: "${type}"` });
    seen.add(type);
  });
  return causes;
}

/** validateCertificateSigningRequest for a new object (the request's signature is checked with openssl). */
export function validateCsr(obj: KubeObject): StatusCause[] {
  const spec = (obj.spec ?? {}) as Record<string, any>;
  const causes: StatusCause[] = [];
  const reqErr = requestError(spec.request);
  if (reqErr) causes.push({ reason: 'FieldValueInvalid', field: 'spec.request', message: `Invalid value: []byte{...}: ${reqErr}` });
  const usages: unknown[] = Array.isArray(spec.usages) ? spec.usages : [];
  if (usages.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'spec.usages', message: 'Required value: usages must be provided' });
  const seen = new Set<string>();
  usages.forEach((u, i) => {
    const usage = String(u);
    if (!KEY_USAGES.includes(usage)) causes.push({ reason: 'FieldValueNotSupported', field: `spec.usages[${i}]`, message: `Unsupported value: "${usage}": supported values: ${KEY_USAGES.map((k) => `"${k}"`).join(', ')}` });
    if (seen.has(usage)) causes.push({ reason: 'FieldValueDuplicate', field: `spec.usages[${i}]`, message: `Duplicate value: "${usage}"` });
    seen.add(usage);
  });
  const signer = typeof spec.signerName === 'string' ? spec.signerName : '';
  if (signer === LEGACY_UNKNOWN) causes.push({ reason: 'FieldValueInvalid', field: 'spec.signerName', message: `Invalid value: "${signer}": the legacy signerName is not allowed via this API version` });
  else causes.push(...signerNameErrors(signer));
  const exp = spec.expirationSeconds;
  if (exp !== undefined && exp !== null && (typeof exp !== 'number' || exp < 600)) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${String(exp)}: may not specify a duration less than 600 seconds (10 minutes)` });
  causes.push(...conditionErrors(obj.status?.conditions));
  return causes;
}

function parseBody(req: ResourceRequest): KubeObject {
  try {
    const text = req.body.toString('utf8');
    const obj = (req.contentType.includes('yaml') ? YAML.parse(text) : JSON.parse(text)) as KubeObject;
    if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new Error('not an object');
    obj.metadata = obj.metadata && typeof obj.metadata === 'object' ? obj.metadata : {};
    return obj;
  } catch (e) {
    throw badRequest(`error decoding request body: ${(e as Error).message}`);
  }
}

/**
 * CSR requests before the generic storage: a create gets the requester's identity and is validated
 * (the request's body is rewritten; returns undefined so ResourceApi stores it), the approval
 * subresource is answered here. Other resources: undefined, untouched.
 */
export function handleCsrRequest(api: ResourceApi, store: ObjectStore, who: UserInfo, req: ResourceRequest): ApiAnswer | undefined {
  if (req.rt !== CSRS) return undefined;
  if (req.subresource === 'approval') return approval(api, store, who, req);
  const current = req.name === undefined ? undefined : store.get(CSRS, '', req.name);
  if (req.method === 'PATCH' && req.subresource === undefined && req.name !== undefined) {
    if (!current && req.contentType.startsWith('application/apply-patch')) {
      // Server-side apply of a new CSR is a create: the requester and validation apply.
      req.method = 'POST';
      delete req.name;
    } else if (current) {
      // The patched object, then only its metadata kept (spec and status are not the main resource's to change).
      const preview = api.handle({ ...req, query: new URLSearchParams([...req.query, ['dryRun', 'All']]) }).body as KubeObject;
      return api.handle({ ...req, method: 'PUT', contentType: 'application/json', body: Buffer.from(JSON.stringify({ ...preview, spec: current.spec, status: current.status })) });
    }
  }
  if (req.method === 'POST' && req.name === undefined) {
    const obj = parseBody(req);
    obj.status = {}; // what the request says is dropped; a new CSR has an empty status
    obj.spec = { ...(obj.spec ?? {}), username: who.user, groups: who.groups };
    delete obj.spec.uid; // the fake's users have no uid or extra
    delete obj.spec.extra;
    const causes = validateCsr(obj);
    if (causes.length > 0) throw invalidCsr(String(obj.metadata.name ?? obj.metadata.generateName ?? ''), causes);
    req.body = Buffer.from(JSON.stringify(obj));
    req.contentType = 'application/json';
    return undefined;
  }
  if (req.method === 'PUT' && req.subresource === undefined && current) {
    // Only metadata may change through the main resource.
    const obj = parseBody(req);
    req.body = Buffer.from(JSON.stringify({ ...obj, spec: current.spec, status: current.status }));
    req.contentType = 'application/json';
  }
  return undefined;
}

function approval(api: ResourceApi, store: ObjectStore, who: UserInfo, req: ResourceRequest): ApiAnswer {
  const current = api.mustGet(CSRS, '', req.name ?? '');
  if (req.method === 'GET') return { code: 200, body: current, warnings: [] };
  if (req.method !== 'PUT') throw methodNotAllowed();
  const obj = parseBody(req);
  if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
    throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409, details: { name: req.name!, group: 'certificates.k8s.io', kind: 'certificatesigningrequests' }, message: `Operation cannot be fulfilled on certificatesigningrequests.certificates.k8s.io "${req.name!}": the object has been modified; please apply your changes to the latest version and try again` });
  }
  const signer = String(current.spec?.signerName ?? '');
  const [domain] = signer.split('/');
  const may = (name: string): boolean => authorizeChain(store, store.apiserverAuth, who, { verb: 'approve', group: 'certificates.k8s.io', resource: 'signers', subresource: '', name, namespace: '' }).allowed;
  if (!may(signer) && !may(`${domain}/*`)) {
    throw new StatusError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, details: { name: req.name!, group: 'certificates.k8s.io', kind: 'certificatesigningrequests' }, message: `certificatesigningrequests.certificates.k8s.io "${req.name!}" is forbidden: user not permitted to approve requests with signerName "${signer}"` });
  }
  const conditions: Record<string, unknown>[] = Array.isArray(obj.status?.conditions) ? obj.status.conditions : [];
  const next: KubeObject = { ...current, metadata: { ...current.metadata }, status: { ...(current.status ?? {}), conditions } };
  const causes = conditionErrors(conditions);
  for (const t of ['Approved', 'Denied', 'Failed']) {
    const before = ((current.status?.conditions ?? []) as Record<string, unknown>[]).filter((c) => c.type === t).length;
    if (conditions.filter((c) => c?.type === t).length < before) causes.push({ reason: 'FieldValueForbidden', field: 'status.conditions', message: `Forbidden: updates may not remove a condition of type "${t}"` });
  }
  if (causes.length > 0) throw invalidCsr(req.name!, causes);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  for (const c of conditions) {
    c.lastUpdateTime ??= now;
    c.lastTransitionTime ??= now;
  }
  if (req.query.get('dryRun') === 'All') return { code: 200, body: next, warnings: [] };
  return { code: 200, body: store.update(CSRS, next), warnings: [] };
}
