/** Environment for child processes that should see the fake `kind`/`docker` first on PATH. */
export function fakeEnv(opts?: {
  /** State directory (CKS_FAKE_HOME); default: a fresh temp dir. */
  home?: string;
  /** FAKE_KIND_PHASE_DELAY_MS; default 0. */
  phaseDelayMs?: number;
  /** Which API server kind starts: 'stub', 'real' (test/fakes/kube-apiserver/main.ts) or an entry path. */
  apiserver?: string;
  extra?: Record<string, string>;
}): NodeJS.ProcessEnv & { CKS_FAKE_HOME: string; KUBECONFIG: string; PATH: string };

/** Delete every fake cluster under env.CKS_FAKE_HOME; resolves with the names deleted. */
export function cleanupFakeClusters(env: NodeJS.ProcessEnv): Promise<string[]>;
