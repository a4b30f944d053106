/** What a fake API server passes to the node-file writers (its port, token, CA and CRI endpoint). */
export interface NodeApi {
  port: number;
  token: string;
  httpsUrl?: string;
  caData?: string;
  criPort?: number;
}
/** Skeleton of a fresh node: directories every kindest/node image has, /etc/hostname and /etc/hosts. */
export function prepareNodeDirs(root: string, spec: { hostname: string; ip: string }): void;
/** /kind/kubeadm.conf, as kind's "Writing configuration" phase leaves it. */
export function writeKubeadmConfig(root: string, spec: { cluster: string; ip: string; image: string }): void;
/** PKI and the static pod manifests ("kubeadm init" up to the control plane). */
export function writeControlPlane(root: string, spec: { cluster: string; ip: string; image: string }): void;
/** Kubeconfigs kubeadm writes, pointing at the (fake) API server. */
export function writeKubeconfigs(root: string, cluster: string, api: NodeApi): void;
/** kindnet's CNI config. */
export function writeCniConfig(root: string): void;
/** The node's crictl and /etc/crictl.yaml. */
export function writeCriTools(root: string, api: NodeApi): void;
/** What `kubeadm join` leaves on a worker. */
export function writeWorkerFiles(root: string, cluster: string, node: string, api: NodeApi): void;
