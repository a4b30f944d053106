/**
 * `canI` checks: a permission matrix for one user or ServiceAccount, asked of the API server's
 * own authorizer (SubjectAccessReview — what `kubectl auth can-i --as=…` asks), so RBAC is graded
 * by its effect, whatever Roles and bindings the learner wrote. A failure names each request that
 * came out wrong and, for an unwanted "yes", the binding RBAC says allowed it.
 */
import type { AccessRequest, CanICheck } from '../../scenarios/types.js';
import { ProbeError, type AccessReviewSubject, type CheckResult, type CheckRunner } from '../types.js';

/** `patch deployments.apps in ci`, `list nodes (cluster-wide)`. */
export function describeRequest(r: AccessRequest): string {
  const group = r.group ? `.${r.group}` : '';
  const sub = r.subresource ? `/${r.subresource}` : '';
  const name = r.name ? ` ${r.name}` : '';
  return `${r.verb} ${r.resource}${group}${sub}${name} ${r.namespace ? `in ${r.namespace}` : '(cluster-wide)'}`;
}

/** The user the API server would see: a ServiceAccount gets system:serviceaccounts, …:<ns> and system:authenticated; system:anonymous gets system:unauthenticated. */
export function subjectOf(as: CanICheck['as']): AccessReviewSubject {
  if ('serviceAccount' in as) {
    const { namespace, name } = as.serviceAccount;
    return { user: `system:serviceaccount:${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'] };
  }
  const sa = /^system:serviceaccount:([^:]+):[^:]+$/.exec(as.user);
  // The anonymous user is unauthenticated (kube-apiserver's anonymous authenticator), never system:authenticated.
  const implicit = as.user === 'system:anonymous' ? ['system:unauthenticated'] : sa ? ['system:serviceaccounts', `system:serviceaccounts:${sa[1]}`, 'system:authenticated'] : ['system:authenticated'];
  return { user: as.user, groups: [...new Set([...(as.groups ?? []), ...implicit])] };
}

export const runCanICheck: CheckRunner<CanICheck> = async (check, probes) => {
  if (!probes.accessReview) throw new ProbeError('these probes cannot ask the API server for access reviews');
  const who = subjectOf(check.as);
  const asked = [...(check.allowed ?? []).map((r) => ({ r, want: true })), ...(check.denied ?? []).map((r) => ({ r, want: false }))];
  const answers = await Promise.all(asked.map(async ({ r, want }) => ({ r, want, verdict: await probes.accessReview!(who, r) })));
  const yes = (check.allowed ?? []).map(describeRequest);
  const no = (check.denied ?? []).map(describeRequest);
  const expected = `${who.user}: ${[yes.length ? `yes to ${yes.join('; ')}` : '', no.length ? `no to ${no.join('; ')}` : ''].filter(Boolean).join(' — ')}`;
  const wrong = answers.filter((a) => a.verdict.allowed !== a.want);
  if (wrong.length === 0) {
    return { status: 'pass', message: check.description, expected, actual: `${answers.length} of ${answers.length} answers as expected` };
  }
  const actual = wrong
    .map(({ r, verdict }) => `${describeRequest(r)}: ${verdict.allowed ? 'yes' : 'no'}${verdict.allowed && verdict.reason ? ` (${verdict.reason})` : ''}${verdict.evaluationError ? ` [${verdict.evaluationError}]` : ''}`)
    .join('; ');
  const result: Omit<CheckResult, 'id'> = { status: 'fail', message: `${check.description}: expected ${expected}, found ${actual}`, expected, actual };
  return result;
};
