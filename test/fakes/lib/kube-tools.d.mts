export const KUBELET_VERSION_MARK: string;
export const KIND_PRELOADED_IMAGES: string[];
export function kubeadmProgram(version: string): string;
export function kubeletProgram(version: string): string;
export function kubeletVersionOf(text: string): string | null;
export function installKubeTools(root: string, version?: string): void;
