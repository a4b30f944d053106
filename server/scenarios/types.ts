/**
 * A scenario as loaded from scenarios/<id>/scenario.yaml (validated against scenarios/schema.json).
 * Paths in `setup`/`solution` are relative to the scenario folder; their scripts run inside the
 * learner's control-plane node (`docker exec -i <node> bash -s`), never on the server host.
 */
export type Difficulty = 'easy' | 'medium' | 'hard';

export interface Scenario {
  id: string;
  title: string;
  /** CKS curriculum domain, e.g. "Minimize Microservice Vulnerabilities". */
  domain: string;
  difficulty: Difficulty;
  /** Lab (cluster environment) under labs/<lab>/. */
  lab: string;
  timeLimitMinutes: number;
  summary: string;
  tasks: Task[];
  /** Absolute path of the scenario folder. */
  dir: string;
  /** README.md contents (Markdown; the web page sanitizes it). */
  instructions: string;
  /** Absolute paths of the scripts. */
  setupScript: string;
  solutionScript: string;
  /** Shared state the scenario changes (a mock exam keeps colliding questions on different clusters). */
  touches?: SharedState[];
  /** Declared parameters (see params.ts); absent or empty when the scenario has none. */
  parameters?: ScenarioParameter[];
  /** The parameter values this copy is rendered with (the defaults, as loaded); scripts get them as PARAM_* variables. */
  values?: Record<string, string>;
  /** The texts before rendering, so another run can render them with other values. */
  template?: Pick<Scenario, 'title' | 'summary' | 'instructions' | 'tasks'>;
}

/** What two scenarios on one cluster can collide on (scenarios/schema.json `touches`). */
export type SharedState = 'kube-apiserver' | 'kubelet' | 'etcd' | 'containerd' | 'cni' | 'apparmor' | 'seccomp' | 'audit' | 'admission' | 'node-packages';

/** One declared parameter: a default (the ⚑ end state where DESIGN.md fixes one) and optional choices to draw from. */
export interface ScenarioParameter {
  name: string;
  description: string;
  default: string;
  choices?: string[];
}

export interface Task {
  id: string;
  title: string;
  weight: number;
  /** Teaches without giving the answer away. */
  hint: string;
  checks: Check[];
}

/** Reference to one Kubernetes object. `namespace` omitted for cluster-scoped kinds. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

interface CheckBase {
  id: string;
  /** What the check proves, in learner words ("init container 'prepare' exited with code 0"). */
  description: string;
  /** Per-check timeout in ms (default 10 000). */
  timeoutMs?: number;
  /** Only run where this node command exits 0; otherwise the check is skipped with `reason`. */
  skipUnless?: { command: string[]; reason: string; node?: string };
}

/** Checks that run on a node: `node` names it (`control-plane`, `worker`, `worker2` …; default the control plane). */
interface OnNode {
  node?: string;
}

/**
 * The object exists and partially matches `match`: expected map keys must be present and equal,
 * numbers compare numerically, arrays need an explicit mode ({$exact}, {$contains}, {$each}),
 * and {$absent: true} requires a key to be missing. See grading/match.ts.
 */
export interface ObjectCheck extends CheckBase {
  type: 'object';
  resource: ObjectRef;
  match: unknown;
}

/** The object does not exist. */
export interface ObjectAbsentCheck extends CheckBase {
  type: 'objectAbsent';
  resource: ObjectRef;
}

/**
 * kubectl-style JSONPath(s) evaluated on the object, e.g.
 * `{.status.initContainerStatuses[?(@.name=="prepare")].state.terminated.exitCode}`.
 * With several `paths`, the first that yields a value is used (e.g. `state` then `lastState`).
 */
export interface JsonPathCheck extends CheckBase {
  type: 'jsonpath';
  resource: ObjectRef;
  paths: string[];
  expect: ValueExpectation;
}

/**
 * A command in a pod's container (argv, no shell unless the argv itself calls one): in the pod
 * named `pod`, or in every pod carrying the `selector` labels (at least one; each must be Running
 * and meet `expect`, e.g. every replica of a Deployment).
 */
export interface PodExecCheck extends CheckBase {
  type: 'podExec';
  namespace: string;
  pod?: string;
  selector?: Record<string, string>;
  container?: string;
  command: string[];
  expect: CommandExpectation;
}

/** A command on a node (`docker exec <cluster>-<node> argv…`), the control plane by default. */
export interface NodeCommandCheck extends CheckBase, OnNode {
  type: 'nodeCommand';
  command: string[];
  expect: CommandExpectation;
}

/** A file on a node, the control plane by default. */
export interface NodeFileCheck extends CheckBase, OnNode {
  type: 'nodeFile';
  path: string;
  expect: { exists?: boolean; contains?: string[]; notContains?: string[]; matches?: string };
}

/** The raw value etcd stores under `key` (encryption at rest is proven by its prefix). */
export interface EtcdValueCheck extends CheckBase {
  type: 'etcdValue';
  key: string;
  expect: { exists?: boolean; prefixOneOf?: string[]; notContains?: string[] };
}

/** A YAML file on the control-plane node (e.g. a static pod manifest), partially matched like an object. */
export interface NodeYamlCheck extends CheckBase, OnNode {
  type: 'nodeYaml';
  path: string;
  /** `json`: the file must be JSON (a tool's report, an SBOM); default `yaml` (which also reads JSON). */
  format?: 'yaml' | 'json';
  match: unknown;
}

/**
 * A Dockerfile on a node, parsed as BuildKit reads it (stages, the final stage's FROM, USER,
 * ENTRYPOINT/CMD form, RUNs, COPY --from, ENV/ARG) and partially matched like an object.
 */
export interface NodeDockerfileCheck extends CheckBase, OnNode {
  type: 'nodeDockerfile';
  path: string;
  match: unknown;
}

/**
 * An EncryptionConfiguration file on the node, judged as kube-apiserver uses it: the first provider
 * for `resource` (which encrypts every write) is one of `firstProviderOneOf` with keys of a valid
 * size, and with `identityLast` the last provider is `identity`.
 */
export interface EncryptionConfigCheck extends CheckBase, OnNode {
  type: 'encryptionConfig';
  path: string;
  /** Resource as the config names it, e.g. `secrets`. */
  resource: string;
  expect: { firstProviderOneOf: string[]; identityLast?: boolean };
}

/** One request in a `canI` matrix, as `kubectl auth can-i VERB RESOURCE[.GROUP][/SUB] [NAME] -n NS` asks it. */
export interface AccessRequest {
  verb: string;
  resource: string;
  /** API group ('' = core; '*' = every group). */
  group?: string;
  subresource?: string;
  name?: string;
  /** Absent: cluster-wide (cluster-scoped resources, or every namespace). */
  namespace?: string;
}

/**
 * RBAC as the API server decides it for a user or ServiceAccount (SubjectAccessReview, i.e.
 * `kubectl auth can-i --as`): every `allowed` request is allowed and every `denied` one denied.
 */
export interface CanICheck extends CheckBase {
  type: 'canI';
  /** `system:serviceaccount:<ns>:<name>` gets the ServiceAccount groups the authenticator adds. */
  as: { user: string; groups?: string[] } | { serviceAccount: { namespace: string; name: string } };
  allowed?: AccessRequest[];
  denied?: AccessRequest[];
}

/** A workload with a pod template: Deployment, DaemonSet, StatefulSet, ReplicaSet, Job (spec.template) or CronJob. */
export interface WorkloadRef {
  apiVersion: string;
  kind: 'Deployment' | 'DaemonSet' | 'StatefulSet' | 'ReplicaSet' | 'Job' | 'CronJob';
  namespace: string;
  name: string;
}

/**
 * Admission by its effect: `object` is created with a server-side dry-run (nothing is stored); the
 * admission chain must allow it (optionally changing it as `match` says) or deny it (optionally
 * with a message matching `messageMatches`).
 */
export interface AdmissionCheck extends CheckBase {
  type: 'admission';
  /** The manifest to create; or give `podFrom`. */
  object?: Record<string, unknown>;
  /** A Pod made from this workload's pod template (as its controller would create it) instead of `object`. */
  podFrom?: WorkloadRef;
  expect: 'allowed' | 'denied';
  match?: unknown;
  messageMatches?: string;
}

/** Where a connectivity probe runs: a pod by name, or the first Running pod matching `selector` (matchLabels). */
export interface ConnectivitySource {
  namespace: string;
  pod?: string;
  selector?: Record<string, string>;
  container?: string;
}

/**
 * What a connectivity probe tries: a Service's ClusterIP and port, a pod's IP and port (by name or
 * selector), a host (IP or name) and port, or a DNS name to resolve. `namespace` defaults to the
 * source's.
 */
export type ConnectivityTarget =
  | { service: string; namespace?: string; port: number }
  | { pod?: string; selector?: Record<string, string>; namespace?: string; port: number }
  | { host: string; port: number }
  | { dns: string };

/**
 * Pod-to-pod connectivity graded by its effect: from inside a pod, busybox `nc -z -w T` to the
 * target (or `nslookup` for `dns`). `reach`: the TCP connection opens (for `dns`: the name
 * resolves). `noReach`: the connection times out or is refused (for `dns`: no answer or NXDOMAIN).
 */
export interface ConnectivityCheck extends CheckBase {
  type: 'connectivity';
  from: ConnectivitySource;
  to: ConnectivityTarget;
  expect: 'reach' | 'noReach';
  /** nc's connect timeout (-w), default 2 s. */
  timeoutSeconds?: number;
}

/**
 * kube-apiserver is healthy (/readyz ok): waits up to `waitSeconds` (default 30) while it restarts,
 * answers at once when it crash-loops or is gone; not ready is reported as the API's state (error).
 */
export interface ApiReadyCheck extends CheckBase {
  type: 'apiReady';
  waitSeconds?: number;
}

/** What an HTTP probe from a node must meet: an HTTP answer (status, body, server certificate) or a refused connection. */
export interface NodeHttpExpectation {
  /** The HTTP status code (a refused connection or a TLS failure never matches). */
  status?: number;
  statusOneOf?: number[];
  /** The TCP connection is refused: nothing listens on the port. */
  refused?: boolean;
  /**
   * The TLS handshake fails: the server refuses the client (no or an untrusted client certificate,
   * a TLS version it does not accept) with an alert — curl exit 35, or 56 for a TLS 1.3 alert.
   */
  handshakeRefused?: boolean;
  bodyContains?: string[];
  bodyNotContains?: string[];
  /** The server certificate's subject contains this (HTTPS only). */
  certSubjectContains?: string;
}

/**
 * An HTTP(S) request made with curl on a node (argv built by the grader), e.g. the kubelet's
 * `https://127.0.0.1:10250/pods` without credentials must get 401, its read-only port must refuse.
 * `auth.serviceAccount`: a bearer token of that ServiceAccount (TokenRequest, 10 minutes).
 */
export interface NodeHttpCheck extends CheckBase, OnNode {
  type: 'nodeHttp';
  url: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** curl -k: do not verify the server certificate (self-signed serving certificates). */
  insecure?: boolean;
  auth?: { serviceAccount: { namespace: string; name: string } };
  tls?: NodeHttpTls;
  /** curl's --max-time, default 5 s. */
  timeoutSeconds?: number;
  /** While the connection is refused (a component restarting), try again for up to this many seconds (default 0). */
  waitSeconds?: number;
  expect: NodeHttpExpectation;
}

/** TLS client settings of a nodeHttp probe: node paths (curl --cacert, --cert, --key) and the versions offered. */
export interface NodeHttpTls {
  cacert?: string;
  cert?: string;
  key?: string;
  /** Lowest version offered (curl --tlsv1.2 / --tlsv1.3). */
  minVersion?: '1.2' | '1.3';
  /** Highest version offered (curl --tls-max). */
  maxVersion?: '1.2' | '1.3';
}

/**
 * The node is Ready and its kubelet runs: waits up to `waitSeconds` (default 30) while the kubelet
 * has just (re)started and the node still posts NotReady (then an error: Check again); answers at
 * once when kubelet.service is stopped or crash-looping (a config it refuses), with its error line.
 */
export interface NodeReadyCheck extends CheckBase, OnNode {
  type: 'nodeReady';
  waitSeconds?: number;
}

/** What the audit log must show for one of the grader's requests (see AuditEventCheck). */
export interface AuditEventExpectation {
  /** The request has events in the log (true), or none (false: the policy's level for it is None). */
  logged: boolean;
  /** Every event of the request has this level. */
  level?: 'Metadata' | 'Request' | 'RequestResponse';
  /** Exactly these stages are logged for the request (order free), e.g. [ResponseComplete] when RequestReceived is omitted. */
  stages?: ('RequestReceived' | 'ResponseStarted' | 'ResponseComplete' | 'Panic')[];
  /** An event carries requestObject (true) or none does (false). */
  requestObject?: boolean;
  /** An event carries responseObject (true) or none does (false). */
  responseObject?: boolean;
  /** No event's JSON line contains these strings (e.g. a Secret's value: no data leaked into the log). */
  notContains?: string[];
}

/** One request the grader makes as the cluster admin, with its own Audit-ID, before reading the log. */
export interface AuditProbeRequest {
  verb: 'get' | 'list' | 'patch';
  /** `v1` (core) or `group/version`. */
  apiVersion: string;
  /** The resource's plural name (`secrets`, `configmaps`, `deployments`). */
  resource: string;
  namespace?: string;
  /** Required for get and patch. */
  name?: string;
  /** For patch: a JSON merge patch (make it one that leaves the object as it was, e.g. a value setup already set). */
  patch?: Record<string, unknown>;
  expect: AuditEventExpectation;
}

/**
 * The grader's own requests, each sent with a unique `Audit-ID` header (kube-apiserver logs it as
 * the event's auditID), then the audit log on the node read for their events: their level,
 * stages and objects, or their absence. An absence counts only when a later request of the same
 * check was logged (the log is written and was read past it).
 */
export interface AuditEventCheck extends CheckBase, OnNode {
  type: 'auditEvent';
  /** The audit log on the node (kube-apiserver's --audit-log-path). */
  logPath: string;
  /** How long to wait for the events to be written (default 5). */
  waitSeconds?: number;
  requests: AuditProbeRequest[];
}

export type Check =
  | AuditEventCheck
  | ApiReadyCheck
  | NodeHttpCheck
  | NodeReadyCheck
  | AdmissionCheck
  | ConnectivityCheck
  | CanICheck
  | ObjectCheck
  | ObjectAbsentCheck
  | JsonPathCheck
  | PodExecCheck
  | NodeCommandCheck
  | NodeFileCheck
  | EtcdValueCheck
  | NodeYamlCheck
  | NodeDockerfileCheck
  | EncryptionConfigCheck;
export type CheckType = Check['type'];

export interface ValueExpectation {
  equals?: string | number | boolean;
  /** The value must be present and differ from this (e.g. a rotated credential). */
  notEquals?: string | number | boolean;
  oneOf?: (string | number | boolean)[];
  matches?: string;
  exists?: boolean;
}

export interface CommandExpectation {
  exitCode?: number;
  stdoutContains?: string[];
  stdoutNotContains?: string[];
  stdoutMatches?: string;
}

/** One line of the catalog. */
export interface ScenarioSummary {
  id: string;
  title: string;
  domain: string;
  difficulty: Difficulty;
  lab: string;
  timeLimitMinutes: number;
  summary: string;
  taskCount: number;
  maxScore: number;
  /** Why this host cannot run the scenario's lab (e.g. no AppArmor), when it cannot. */
  unavailable?: string;
}

/** A problem found while loading a scenario: names the file, the line and the field. */
export interface ScenarioProblem {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path of the field, e.g. `tasks[1].checks[0].type`. */
  field?: string;
  message: string;
}
