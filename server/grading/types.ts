import type { AccessRequest, Check, Scenario } from '../scenarios/types.js';

/** Outcome of one check. `error` = could not run (API unreachable, pod missing, timeout): never a silent fail. */
export type CheckStatus = 'pass' | 'fail' | 'error' | 'skip';

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** One learner-readable sentence: what was checked and what happened. */
  message: string;
  expected: string;
  actual: string;
}

export interface TaskResult {
  id: string;
  title: string;
  weight: number;
  passed: boolean;
  /** Every check was skipped (the host cannot run them): the task is left out of score and maxScore. */
  skipped: boolean;
  hint: string;
  checks: CheckResult[];
}

export interface GradeResult {
  scenario: string;
  passed: boolean;
  score: number;
  maxScore: number;
  tasks: TaskResult[];
  gradedAt: string;
  durationMs: number;
}

/** Output of a command run on the node or in a pod. */
export interface ExecOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * What the grader may ask of a cluster. Implementations throw ProbeError when the question
 * cannot be answered (API unreachable, pod missing); a 404 for getObject is `null`, not an error.
 */
export interface ClusterProbes {
  getObject(ref: { apiVersion: string; kind: string; name: string; namespace?: string }): Promise<Record<string, unknown> | null>;
  podExec(namespace: string, pod: string, container: string | undefined, command: string[]): Promise<ExecOutcome>;
  /**
   * Pods of `namespace` whose labels match `selector` (matchLabels), as the API lists them.
   * Optional: probes without it cannot pick a pod by selector (`connectivity` checks).
   */
  listPods?(namespace: string, selector: Record<string, string>): Promise<Record<string, unknown>[]>;
  /**
   * The last `tailLines` lines a container logged (`previous`: its last terminated instance), what
   * `kubectl logs --tail` prints. Optional: evidence only (why a container keeps failing to start).
   */
  podLogs?(namespace: string, pod: string, container: string, opts: { tailLines: number; previous?: boolean }): Promise<string>;
  /** A command on a node of the cluster: `node` is `control-plane` (default), `worker`, `worker2` … */
  nodeExec(command: string[], node?: string): Promise<ExecOutcome>;
  /**
   * RBAC's (the authorizer's) answer: may `who` do `attrs`? A SubjectAccessReview, what
   * `kubectl auth can-i --as` asks. Optional: probes without it cannot run `canI` checks.
   */
  accessReview?(who: AccessReviewSubject, attrs: AccessAttributes): Promise<AccessVerdict>;
  /**
   * Create `object` with a server-side dry-run (dryRun=All): the whole admission chain runs and
   * nothing is stored. Allowed → the object as admission left it; denied → the API's Status.
   * Optional: probes without it cannot run `admission` checks.
   */
  dryRunCreate?(object: Record<string, unknown>): Promise<DryRunAnswer>;
  /**
   * A bearer token of the ServiceAccount (TokenRequest, what `kubectl create token` asks; short-lived).
   * Optional: probes without it cannot run checks that authenticate as a ServiceAccount.
   */
  serviceAccountToken?(namespace: string, name: string): Promise<string>;
  /**
   * A raw request to the API as the grader's own credentials (the admin's), e.g. one carrying an
   * `Audit-ID` header. Any HTTP answer is returned (the caller judges 4xx); a restarting API is
   * waited for like every API read. Optional: probes without it cannot run `auditEvent` checks.
   */
  apiRequest?(req: ApiRequest): Promise<ApiAnswer>;
  /** Raw bytes etcd stores under `key`, or null when absent. Works while kube-apiserver is down. */
  etcdGet(key: string): Promise<Uint8Array | null>;
  /**
   * Is kube-apiserver ready right now? Asked by the engine when a check that depends on the API
   * did not pass, so a restart is reported as such instead of a fail. Never throws; optional
   * (without it only an ApiUnavailableError counts as a restart).
   */
  apiHealth?(): Promise<ApiHealth>;
}

/** A raw API request (path with its query, e.g. `/api/v1/namespaces/billing/secrets/x`). */
export interface ApiRequest {
  method: 'GET' | 'PATCH' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** The API's answer to an ApiRequest (body capped). */
export interface ApiAnswer {
  code: number;
  body: string;
  headers: Record<string, string>;
}

/** What a server-side dry-run create answered. */
export type DryRunAnswer = { allowed: true; object: Record<string, unknown> } | { allowed: false; code: number; reason?: string; message: string };

/** A user as the authenticator would present it (a ServiceAccount with its implicit groups). */
export interface AccessReviewSubject {
  user: string;
  groups: string[];
}

/** A resource request to authorise (the scenario's `canI` request); namespace absent = cluster-wide (or all namespaces). */
export type AccessAttributes = AccessRequest;

export interface AccessVerdict {
  allowed: boolean;
  /** The authorizer's reason (RBAC names the binding that allowed it). */
  reason?: string;
  evaluationError?: string;
}

/** What the grader found out about kube-apiserver (its /readyz and, on the node, its container). */
export interface ApiHealth {
  /** /readyz answered 200 (or the server answered at all, e.g. 401/403: it is up). */
  ready: boolean;
  /**
   * `restarting`: down or not ready yet, worth another try in a moment. `crashLoop`: its container
   * keeps exiting. `gone`: no container has run for a long while (the kubelet rejects the manifest).
   */
  state: 'ready' | 'restarting' | 'crashLoop' | 'gone';
  /** Short evidence for the learner: what /readyz answered, what `crictl ps -a` shows, the last log line. */
  evidence: string;
}

export class ProbeError extends Error {
  constructor(message: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'ProbeError';
  }
}

/** The API server did not answer (refused, reset, 5xx) for as long as the probe was willing to wait. */
export class ApiUnavailableError extends ProbeError {
  /** What the API answered, e.g. `connection refused` or `HTTP 503: …`. */
  readonly answer: string;

  constructor(message: string, answer: string, opts?: { cause?: unknown }) {
    super(message, opts);
    this.name = 'ApiUnavailableError';
    this.answer = answer;
  }
}

/** A check implementation (the TypeScript escape hatch registers more by type). */
export type CheckRunner<C extends Check = Check> = (check: C, probes: ClusterProbes, signal: AbortSignal) => Promise<Omit<CheckResult, 'id'>>;

export interface Grader {
  grade(scenario: Scenario, probes: ClusterProbes): Promise<GradeResult>;
}

/** ⚑ JSON shape of DESIGN.md (`cks-lab grade --format json`, HTTP grade response). */
export interface GradeJson {
  scenario: string;
  passed: boolean;
  score: number;
  maxScore: number;
  tasks: {
    id: string;
    title: string;
    weight: number;
    passed: boolean;
    checks: { id: string; passed: boolean; message: string; expected: string; actual: string; status: CheckStatus }[];
    hint: string;
    /** Present (true) only when the task could not be checked on this host and is left out of the score. */
    skipped?: boolean;
  }[];
}
