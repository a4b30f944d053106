/**
 * admissionregistration.k8s.io/v1 Validating- and MutatingWebhookConfiguration as kube-apiserver
 * stores them: SetDefaults (failurePolicy Fail, matchPolicy Equivalent, empty selectors,
 * timeoutSeconds 10, rule scope "*", service port 443, reinvocationPolicy Never) and the
 * validation authors meet most (name with three segments, sideEffects None|NoneOnDryRun,
 * admissionReviewVersions, exactly one of url or service, timeoutSeconds 1-30, failurePolicy).
 */
import type { StatusCause } from '../status.js';
import type { KubeObject } from '../store.js';

export const WEBHOOK_KINDS = new Set(['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

/** SetDefaults_ValidatingWebhook / SetDefaults_MutatingWebhook, in place. */
export function defaultWebhookConfiguration(kind: string, obj: KubeObject): void {
  if (!WEBHOOK_KINDS.has(kind)) return;
  for (const w of (Array.isArray(obj.webhooks) ? obj.webhooks : []) as Record<string, any>[]) {
    if (!w || typeof w !== 'object') continue;
    w.failurePolicy ??= 'Fail';
    w.matchPolicy ??= 'Equivalent';
    w.namespaceSelector ??= {};
    w.objectSelector ??= {};
    w.timeoutSeconds ??= 10;
    if (kind === 'MutatingWebhookConfiguration') w.reinvocationPolicy ??= 'Never';
    for (const r of (Array.isArray(w.rules) ? w.rules : []) as Record<string, any>[]) if (r && typeof r === 'object') r.scope ??= '*';
    if (w.clientConfig?.service && typeof w.clientConfig.service === 'object') w.clientConfig.service.port ??= 443;
  }
}

/** ValidateValidatingWebhookConfiguration / ValidateMutatingWebhookConfiguration (v1). */
export function validateWebhookConfiguration(kind: string, obj: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!WEBHOOK_KINDS.has(kind)) return causes;
  const add = (field: string, reason: string, message: string): void => void causes.push({ field, reason, message });
  const seen = new Set<string>();
  ((Array.isArray(obj.webhooks) ? obj.webhooks : []) as Record<string, any>[]).forEach((w, i) => {
    const at = `webhooks[${i}]`;
    const name = String(w?.name ?? '');
    if (name === '') add(`${at}.name`, 'FieldValueRequired', 'Required value');
    else if (name.split('.').length < 3) add(`${at}.name`, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(name)}: should be a domain with at least three segments separated by dots`);
    else if (seen.has(name)) add(`${at}.name`, 'FieldValueDuplicate', `Duplicate value: ${JSON.stringify(name)}`);
    seen.add(name);
    if (w?.sideEffects === undefined) add(`${at}.sideEffects`, 'FieldValueRequired', 'Required value: must specify one of None, NoneOnDryRun');
    else if (!['None', 'NoneOnDryRun'].includes(String(w.sideEffects))) add(`${at}.sideEffects`, 'FieldValueNotSupported', `Unsupported value: ${JSON.stringify(w.sideEffects)}: supported values: "None", "NoneOnDryRun"`);
    const versions = (Array.isArray(w?.admissionReviewVersions) ? w.admissionReviewVersions : []) as unknown[];
    if (versions.length === 0) add(`${at}.admissionReviewVersions`, 'FieldValueRequired', 'Required value: must specify one of v1, v1beta1');
    else if (!versions.some((v) => v === 'v1' || v === 'v1beta1')) add(`${at}.admissionReviewVersions`, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(versions)}: must include at least one of v1, v1beta1`);
    const cc = (w?.clientConfig ?? {}) as Record<string, any>;
    if ((cc.url === undefined) === (cc.service === undefined)) add(`${at}.clientConfig`, 'FieldValueRequired', 'Required value: exactly one of url or service is required');
    else if (cc.url !== undefined && !String(cc.url).startsWith('https://')) add(`${at}.clientConfig.url`, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(cc.url)}: 'https' is the only allowed URL scheme`);
    const t = w?.timeoutSeconds;
    if (t !== undefined && (typeof t !== 'number' || t < 1 || t > 30)) add(`${at}.timeoutSeconds`, 'FieldValueInvalid', `Invalid value: ${JSON.stringify(t)}: the timeout value must be between 1 and 30 seconds`);
    if (w?.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(String(w.failurePolicy))) add(`${at}.failurePolicy`, 'FieldValueNotSupported', `Unsupported value: ${JSON.stringify(w.failurePolicy)}: supported values: "Fail", "Ignore"`);
  });
  return causes;
}
