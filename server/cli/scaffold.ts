import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config/index.js';
import { assertName } from '../process/index.js';
import { loadScenario } from '../scenarios/index.js';
import { UsageError, parse } from './args.js';
import type { CliIo } from './io.js';

/** `cks-lab new <id> [--dir DIR]`: a scenario folder that validates and proves as it is. */
export function newCommand(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, { dir: { type: 'string' } });
  const id = positionals[0];
  try {
    assertName(id, 'scenario id');
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const config = loadConfig({}, io.env);
  const root = resolve(values.dir ?? config.scenariosDir);
  const dir = join(root, id as string);
  if (existsSync(dir)) throw new UsageError(`${dir} already exists`);
  mkdirSync(dir, { recursive: true });
  const files = scaffold(id as string);
  for (const [name, text] of Object.entries(files)) {
    writeFileSync(join(dir, name), text);
    if (name.endsWith('.sh')) chmodSync(join(dir, name), 0o755);
  }
  const loaded = loadScenario(dir, { labsDir: config.labsDir });
  if (loaded.problems) throw new UsageError(`the scaffold does not validate (a bug): ${loaded.problems.map((p) => p.message).join('; ')}`);
  io.out(`${dir}\n`);
  io.err(`Created scenario "${id}": edit scenario.yaml, README.md, setup.sh and solution.sh, then run \`cks-lab validate\` and \`cks-lab prove ${id}\`.\n`);
  return 0;
}

function scaffold(id: string): Record<string, string> {
  return {
    'scenario.yaml': `# yaml-language-server: $schema=../schema.json
id: ${id}
title: Describe what the learner achieves
domain: Cluster Hardening
difficulty: easy
lab: default
timeLimitMinutes: 15
summary: One sentence for the catalog.
setup: setup.sh
solution: solution.sh
tasks:
  - id: namespace
    title: Namespace \`${id}\` exists
    weight: 1
    hint: Teach the idea without giving the answer away.
    checks:
      - id: namespace-exists
        type: object
        description: Namespace ${id} exists and is Active
        resource: { apiVersion: v1, kind: Namespace, name: ${id} }
        match:
          status:
            phase: Active
`,
    'README.md': `# Describe what the learner achieves

Explain the situation and list every requirement; each one needs a check in scenario.yaml.

1. Create the namespace \`${id}\`.
`,
    'setup.sh': `#!/usr/bin/env bash
# Runs on the control-plane node (KUBECONFIG=/etc/kubernetes/admin.conf) before the learner starts.
set -euo pipefail
kubectl delete namespace ${id} --ignore-not-found --wait=true
`,
    'solution.sh': `#!/usr/bin/env bash
# The reference solution; \`cks-lab prove ${id}\` checks that it passes every task.
set -euo pipefail
kubectl create namespace ${id}
`,
  };
}
