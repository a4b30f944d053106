/** Where something listening on a node port of a fake node really listens (host address and port). */
export interface NodePortTarget {
  host: string;
  port: number;
}
export const PORTS_FILE: string;
/** Create the empty port map in a fresh node's directory. */
export function createNodePorts(nodeRoot: string): void;
/** The node's port map: node port → target, or null when nothing listens there. */
export function readNodePorts(nodeRoot: string): Record<string, NodePortTarget | null>;
/** Publish what listens on `port` of the node whose directory is `nodeRoot`; null: connections are refused. */
export function publishNodePort(nodeRoot: string, port: number, target: NodePortTarget | null): void;
