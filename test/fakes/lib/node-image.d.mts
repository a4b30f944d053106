/** The fake host kernel's securityfs: one per fake Docker host ($CKS_FAKE_HOME), shared by its AppArmor nodes. */
export function hostSecurityfsDir(env?: NodeJS.ProcessEnv | Record<string, string | undefined>): string;
