/** /var/lib/kubelet/config.yaml on a kind v1.34 node. */
export const KIND_KUBELET_CONFIG: string;
export function writeKubeletConfig(root: string): void;
export function writeKubeletUnit(root: string, api: { criPort?: number }): void;
