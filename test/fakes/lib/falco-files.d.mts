export const FALCO_UNIT_FILE: string;
export const FALCO_YAML: string;
export function installFalco(root: string, labels: Record<string, string> | undefined): void;
export function writeFalcoUnit(root: string, api: { criPort?: number }): void;
