/** Canned data of the mock server: two scenarios and a grade that passes 2 of 3 tasks (5 / 7). */
import type { GradeJson, ScenarioDetailDto } from '../../server/wire/types.js';

export const SCENARIOS: ScenarioDetailDto[] = [
  {
    id: 'encryption-at-rest',
    title: 'Encrypt Secrets at rest',
    domain: 'Cluster Setup',
    difficulty: 'hard',
    lab: 'default',
    timeLimitMinutes: 25,
    summary: 'Configure the API server to encrypt Secrets in etcd with aescbc, and re-encrypt the Secrets that already exist.',
    taskCount: 3,
    maxScore: 7,
    instructions: [
      '# Encrypt Secrets at rest',
      '',
      'The cluster stores Secrets **in plain text** in etcd. Fix it.',
      '',
      '1. Write an `EncryptionConfiguration` to `/etc/kubernetes/enc/enc.yaml` that encrypts `secrets` with `aescbc` first and `identity` last.',
      '2. Start `kube-apiserver` with `--encryption-provider-config` pointing at it.',
      '3. Create Secret `db-credentials` in namespace `vault`, and re-write `legacy-token` in `default`.',
      '',
      '```bash',
      'kubectl -n vault create secret generic db-credentials --from-literal=password=s3cret',
      '```',
      '',
      'See the [Kubernetes docs](https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/).',
      '',
      '<img src=x onerror="window.__xss = true">',
    ].join('\n'),
    tasks: [
      { id: 'config', title: 'EncryptionConfiguration written', weight: 2 },
      { id: 'apiserver', title: 'API server uses it', weight: 3 },
      { id: 'secrets', title: 'Secrets encrypted in etcd', weight: 2 },
    ],
  },
  {
    id: 'init-containers',
    title: 'Repair an init container',
    domain: 'Minimize Microservice Vulnerabilities',
    difficulty: 'easy',
    lab: 'default',
    timeLimitMinutes: 15,
    summary: 'A broken manifest should run an init container that prepares the page nginx serves. Repair it.',
    taskCount: 2,
    maxScore: 4,
    instructions: '# Repair an init container\n\nFix `/root/web.yaml` and apply it.',
    tasks: [
      { id: 'spec', title: 'Pod spec', weight: 2 },
      { id: 'served', title: 'Page served', weight: 2 },
    ],
  },
];

/** The grade the mock answers for any session of `scenarioId`. */
export function cannedGrade(scenarioId: string): GradeJson {
  return {
    scenario: scenarioId,
    passed: false,
    score: 5,
    maxScore: 7,
    tasks: [
      {
        id: 'config',
        title: 'EncryptionConfiguration written',
        weight: 2,
        passed: true,
        hint: '',
        checks: [{ id: 'file', passed: true, status: 'pass', message: 'enc.yaml encrypts secrets with aescbc first.', expected: 'aescbc, …, identity', actual: 'aescbc, identity' }],
      },
      {
        id: 'apiserver',
        title: 'API server uses it',
        weight: 3,
        passed: true,
        hint: '',
        checks: [{ id: 'flag', passed: true, status: 'pass', message: 'kube-apiserver has --encryption-provider-config.', expected: '/etc/kubernetes/enc/enc.yaml', actual: '/etc/kubernetes/enc/enc.yaml' }],
      },
      {
        id: 'secrets',
        title: 'Secrets encrypted in etcd',
        weight: 2,
        passed: false,
        hint: 'Re-write existing Secrets: kubectl get secrets -A -o json | kubectl replace -f -',
        checks: [
          { id: 'db-credentials', passed: true, status: 'pass', message: 'Secret vault/db-credentials is encrypted in etcd.', expected: 'k8s:enc:aescbc:v1:', actual: 'k8s:enc:aescbc:v1:key1' },
          { id: 'legacy-token', passed: false, status: 'fail', message: 'Secret default/legacy-token is still stored in plain text.', expected: 'k8s:enc:aescbc:v1:', actual: 'k8s\\x00' },
        ],
      },
    ],
  };
}

export const SOLUTION_MARKDOWN = '# Solution\n\n```bash\nmkdir -p /etc/kubernetes/enc\n```\n';
