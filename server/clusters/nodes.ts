import { AppError } from '../errors.js';

/**
 * A node of a lab's cluster, by the part of kind's node name after `<cluster>-`: `control-plane`,
 * `worker`, `worker2` … (kind names the first node of a role `<cluster>-<role>`, the next ones
 * `<cluster>-<role>2`, `<cluster>-<role>3`).
 */
export const NODE_PATTERN = /^(control-plane|worker)([2-9]|[1-9][0-9])?$/;

export const CONTROL_PLANE = 'control-plane';

/** Short names of the nodes kind creates for these roles, in order (kind's nodeNamer). */
export function nodeNamesForRoles(roles: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return roles.map((role) => {
    const n = (seen.get(role) ?? 0) + 1;
    seen.set(role, n);
    return n === 1 ? role : `${role}${n}`;
  });
}

/** The node's container (and host) name: `<cluster>-<node>`; the node is checked, never trusted. */
export function nodeContainer(cluster: string, node: string = CONTROL_PLANE): string {
  if (!NODE_PATTERN.test(node)) {
    throw new AppError('bad_request', `node must be control-plane, worker or worker2 … (got ${JSON.stringify(node.slice(0, 40))})`, { field: 'node' });
  }
  return `${cluster}-${node}`;
}
