import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const REPO_ROOT = join(FIXTURES, '..', '..', '..');

/** A throw-away copy of the fixture tree (scenarios/demo-scenario + labs/default). */
export interface FixtureCopy {
  root: string;
  scenariosDir: string;
  labsDir: string;
  scenarioDir: string;
  yamlFile: string;
  /** Rewrite scenario.yaml; returns the new text. */
  edit(change: (text: string) => string): string;
  /** 1-based line of the first line containing `needle` in scenario.yaml. */
  lineOf(needle: string): number;
  dispose(): void;
}

export function copyFixture(): FixtureCopy {
  const root = mkdtempSync(join(tmpdir(), 'cks-scenarios-'));
  cpSync(FIXTURES, root, { recursive: true });
  const scenarioDir = join(root, 'scenarios', 'demo-scenario');
  const yamlFile = join(scenarioDir, 'scenario.yaml');
  return {
    root,
    scenariosDir: join(root, 'scenarios'),
    labsDir: join(root, 'labs'),
    scenarioDir,
    yamlFile,
    edit(change) {
      const text = change(readFileSync(yamlFile, 'utf8'));
      writeFileSync(yamlFile, text);
      return text;
    },
    lineOf(needle) {
      const i = readFileSync(yamlFile, 'utf8').split('\n').findIndex((l) => l.includes(needle));
      if (i < 0) throw new Error(`fixture has no line with ${needle}`);
      return i + 1;
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** Replace exactly one occurrence, failing loudly if the fixture changed. */
export function replaceOnce(text: string, from: string, to: string): string {
  const i = text.indexOf(from);
  if (i < 0 || text.indexOf(from, i + 1) >= 0) throw new Error(`expected exactly one "${from}" in fixture`);
  return text.slice(0, i) + to + text.slice(i + from.length);
}
