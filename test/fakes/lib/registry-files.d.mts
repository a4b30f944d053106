/** htpasswd -B's line for user:password (bcrypt, cost 5). */
export function bcryptLine(user: string, password: string): string;
/** An OCI image layout of a pause-like base image at `dir`. */
export function writeBaseLayout(dir: string): void;
/** The registry lab's RUN steps, for node root `root` of an image with these labels. */
export function installRegistry(root: string, labels: Record<string, string> | undefined): void;
/** kind's containerdConfigPatches, merged into the node's /etc/containerd/config.toml. */
export function applyContainerdPatches(nodeRoot: string, patches: unknown): void;
/** The fake kube-apiserver's nacl/secretbox as CommonJS source for node-side fakes. */
export function secretboxModule(): string;
/** cosign (LABEL io.cks-lab.cosign): the fake and the secretbox it requires. */
export function installCosign(root: string, labels: Record<string, string> | undefined): void;
