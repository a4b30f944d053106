/** Path of the fake trivy's fixture (images and DB slice) in the repository. */
export const TRIVY_FIXTURE: string;
/** Where the `scanners` lab keeps its preloaded image tarballs unless its label says otherwise. */
export const DEFAULT_IMAGES_DIR: string;
/** `docker.io/library/nginx:1.21.6` → `nginx_1.21.6.tar`. */
export function tarballName(ref: string): string;
/** Installs the fake trivy, its DB, the image fixture and the preloaded image tarballs into node root `root`. */
export function installTrivy(root: string, labels?: Record<string, string>): void;
