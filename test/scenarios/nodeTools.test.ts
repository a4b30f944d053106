/**
 * Instructions and scripts use only tools the learner's node has. The fakes run node commands with
 * this host's tools, so a missing `hexdump` on the real kindest/node would only show up on real
 * kind: this test reads every scenario README's shell blocks and every node script and fails on a
 * command kindest/node (kind v0.30.0, Debian bookworm-slim + kind's packages) does not ship, unless
 * the scenario's lab image installs it.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadLabs } from '../../server/clusters/labs.js';
import { ABSENT_ON_KIND_NODE, labCommands } from '../kind/kindNode.js';
import { REPO_ROOT } from './helpers.js';

/** The shell code of a Markdown file: fenced blocks marked bash, sh, shell or console. */
export function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```(?:bash|sh|shell|console)\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

/**
 * The commands a shell text runs: the first word of each simple command (after variable
 * assignments and a leading `$ ` prompt), in pipelines, lists, `$(…)` and backticks; heredoc
 * bodies and comments are skipped.
 */
export function commandsIn(script: string): string[] {
  const lines: string[] = [];
  let heredoc: string | undefined;
  for (const raw of script.replace(/\\\n/g, ' ').split('\n')) {
    if (heredoc !== undefined) {
      if (raw.trim() === heredoc) heredoc = undefined;
      continue;
    }
    const here = /<<-?\s*['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?/.exec(raw);
    if (here) heredoc = here[1];
    lines.push(raw.replace(/(^|\s)#.*$/, '').replace(/^\s*\$ /, ''));
  }
  const out: string[] = [];
  for (const line of lines) {
    // Quoted strings are arguments, never commands: blank them out.
    const code = line.replace(/'[^']*'/g, "''").replace(/"(?:[^"\\$]|\\.)*"/g, '""');
    for (const part of code.split(/\|\||&&|[|;&]|\$\(|`|\(|\)|\bthen\b|\bdo\b|\belse\b|\bif\b|\bwhile\b|\buntil\b|!/)) {
      const words = part.trim().split(/\s+/).filter(Boolean);
      while (words.length > 0 && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) words.shift();
      const first = words[0];
      if (first && /^[A-Za-z_./][\w./+-]*$/.test(first)) out.push(first.split('/').pop()!);
    }
  }
  return out;
}

describe('scenario instructions and node scripts use only tools the node has', () => {
  it('finds commands in shell text the way a reader would', () => {
    assert.deepEqual(commandsIn('ETCD=$(crictl ps -q) && crictl exec "$ETCD" etcdctl get /x | hexdump -C | head\n'), ['crictl', 'crictl', 'hexdump', 'head']);
    assert.deepEqual(commandsIn("cat > /root/f <<'YAML'\nfile: x\nless: y\nYAML\nkubectl apply -f /root/f # then less\n"), ['cat', 'kubectl']);
    assert.deepEqual(commandsIn('if ! grep -q x /y; then echo "a | wget"; fi\n$ sudo vi /etc/x\n'), ['grep', 'echo', 'fi', 'sudo']);
  });

  it('knows what a lab image adds', () => {
    assert.deepEqual([...labCommands('RUN apt-get update && apt-get install -y --no-install-recommends apparmor vim nano \\\n && rm -rf x')].sort(), ['aa-enabled', 'aa-status', 'apparmor_parser', 'nano', 'vi', 'vim']);
  });

  const labs = loadLabs(join(REPO_ROOT, 'labs'));
  const scenariosDir = join(REPO_ROOT, 'scenarios');
  for (const id of readdirSync(scenariosDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    it(`scenarios/${id}: README shell blocks, setup and solution`, () => {
      const lab = /^lab:\s*(\S+)/m.exec(readFileSync(join(scenariosDir, id, 'scenario.yaml'), 'utf8'))?.[1];
      const image = lab && labs.get(lab)?.buildContext;
      const added = image ? labCommands(readFileSync(join(image, 'Dockerfile'), 'utf8')) : new Set<string>();
      const texts: [string, string][] = shellBlocks(readFileSync(join(scenariosDir, id, 'README.md'), 'utf8')).map((b) => ['README.md', b]);
      for (const f of ['setup.sh', 'solution.sh']) if (existsSync(join(scenariosDir, id, f))) texts.push([f, readFileSync(join(scenariosDir, id, f), 'utf8')]);
      const missing = texts.flatMap(([file, text]) =>
        commandsIn(text)
          .filter((c) => ABSENT_ON_KIND_NODE[c] !== undefined && !added.has(c))
          .map((c) => `${file}: \`${c}\` is not on the node of lab "${lab}" — use ${ABSENT_ON_KIND_NODE[c]}`),
      );
      assert.deepEqual(missing, []);
    });
  }

  it('lab bootstraps use only what their image has', () => {
    const missing: string[] = [];
    for (const lab of labs.values()) {
      if (!lab.bootstrapScript) continue;
      const added = lab.buildContext ? labCommands(readFileSync(join(lab.buildContext, 'Dockerfile'), 'utf8')) : new Set<string>();
      for (const c of commandsIn(readFileSync(lab.bootstrapScript, 'utf8'))) if (ABSENT_ON_KIND_NODE[c] !== undefined && !added.has(c)) missing.push(`${lab.id}: ${c}`);
    }
    assert.deepEqual(missing, []);
  });
});
