/** Builds Scenario values for engine tests. */
import type { Check, Scenario, Task } from '../../server/scenarios/types.js';

export function task(id: string, weight: number, checks: Check[]): Task {
  return { id, title: `Task ${id}`, weight, hint: `hint for ${id}`, checks };
}

export function scenario(tasks: Task[], id = 'init-containers'): Scenario {
  return {
    id,
    title: 'Init containers',
    domain: 'Minimize Microservice Vulnerabilities',
    difficulty: 'easy',
    lab: 'default',
    timeLimitMinutes: 20,
    summary: 's',
    tasks,
    dir: '/tmp/x',
    instructions: '',
    setupScript: '/tmp/x/setup.sh',
    solutionScript: '/tmp/x/solution.sh',
  };
}

export const nsRef = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', name });

/** A check that passes when Namespace `name` exists. */
export function nsExists(id: string, name: string, timeoutMs?: number): Check {
  const check: Check = { id, type: 'object', description: `namespace ${name} exists`, resource: nsRef(name), match: {} };
  if (timeoutMs !== undefined) check.timeoutMs = timeoutMs;
  return check;
}

export const namespace = (name: string) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
