/** The kubelet token of node `nodeName` on the API server whose admin token is `adminToken` (see node-token.mjs). */
export function nodeToken(adminToken: string, nodeName: string): string;
