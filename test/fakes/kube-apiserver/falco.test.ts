import assert from 'node:assert/strict';
import type { Event, FieldValue } from './falco/condition.js';
import { DEFAULT_RULES } from './falco/defaultRules.js';
import { formatTime, line } from './falco/output.js';
import { loadRules, RulesLoadError, type Rule } from './falco/rules.js';

const DEFAULTS = { path: '/etc/falco/falco_rules.yaml', text: DEFAULT_RULES };

function local(text: string) {
  return [DEFAULTS, { path: '/etc/falco/falco_rules.local.yaml', text }];
}

function ev(fields: Record<string, FieldValue>): Event {
  return (f) => fields[f];
}

const shadowRead = ev({
  'evt.type': 'openat',
  'evt.dir': '<',
  'evt.is_open_read': true,
  'evt.is_open_write': false,
  'fd.typechar': 'f',
  'fd.num': 3,
  'fd.name': '/etc/shadow',
  'fd.directory': '/etc',
  'fd.filename': 'shadow',
  'proc.name': 'cat',
  'proc.cmdline': 'cat /etc/shadow',
  'container.id': '0123456789ab',
  'k8s.ns.name': 'team-a',
  'k8s.pod.name': 'web-1',
  'user.name': 'root',
  'evt.time': '06:00:00.000000001',
});
const execShell = ev({ 'evt.type': 'execve', 'evt.dir': '<', 'proc.name': 'sh', 'proc.cmdline': 'sh -c id', 'container.id': 'host', 'user.name': 'root' });

function fired(rules: Rule[], e: Event): string[] {
  return rules.filter((r) => r.condition(e)).map((r) => r.name);
}

describe('fake Falco rules engine', () => {
  it('loads the default subset and a local rule using its macros; output substitutes %fields, <NA> when missing', () => {
    const rules = loadRules(
      local(`- rule: shadow read
  desc: shadow
  condition: open_read and container and fd.name = /etc/shadow
  output: "%evt.time,%container.id,%user.name,%proc.name,%k8s.pod.name,%proc.pname"
  priority: WARNING
`),
    );
    assert.deepEqual(fired(rules, shadowRead), ['shadow read']);
    assert.deepEqual(fired(rules, execShell), []);
    const r = rules[0]!;
    assert.equal(r.priority, 'Warning');
    assert.equal(r.output(shadowRead), '06:00:00.000000001,0123456789ab,root,cat,web-1,<NA>');
  });

  it('the same rule written differently: evt.type in (...), quoted values, ==, list values, sensitive_files macro', () => {
    for (const cond of [
      `evt.type in (open, openat) and evt.is_open_read=true and fd.name="/etc/shadow" and container.id != host`,
      `(evt.type=openat or evt.type=open) and fd.name == '/etc/shadow' and not container.id = host`,
      `open_read and sensitive_files and fd.filename=shadow and container`,
      `open_read and fd.name in (/etc/shadow, /etc/gshadow) and k8s.ns.name startswith team-`,
      `open_read and fd.name glob '/etc/sha*' and proc.cmdline contains shadow`,
    ]) {
      const rules = loadRules(local(`- rule: r\n  desc: d\n  condition: ${JSON.stringify(cond)}\n  output: o\n  priority: notice\n`));
      assert.deepEqual(fired(rules, shadowRead), ['r'], cond);
      assert.deepEqual(fired(rules, execShell), [], cond);
    }
  });

  it('spawned_process and shell_procs fire on an execve of a shell only', () => {
    const rules = loadRules(local(`- rule: shell\n  desc: d\n  condition: spawned_process and shell_procs\n  output: shell %proc.cmdline\n  priority: NOTICE\n`));
    assert.deepEqual(fired(rules, execShell), ['shell']);
    assert.deepEqual(fired(rules, shadowRead), []);
  });

  it('numbers compare numerically, booleans as booleans, a missing field matches nothing', () => {
    const rules = loadRules(local(`- rule: n\n  desc: d\n  condition: fd.num>=3 and fd.num < 10 and evt.is_open_read=true and not proc.pname exists\n  output: o\n  priority: INFO\n`));
    assert.equal(rules[0]!.priority, 'Informational');
    assert.deepEqual(fired(rules, shadowRead), ['n']);
    const missing = loadRules(local(`- rule: m\n  desc: d\n  condition: proc.pname != bash\n  output: o\n  priority: INFO\n`));
    assert.deepEqual(fired(missing, shadowRead), []);
  });

  it('lists, append and override extend or replace earlier definitions across files', () => {
    const rules = loadRules(
      local(`- list: shell_binaries
  items: [cat]
  override:
    items: append
- rule: shell
  desc: d
  condition: spawned_process and shell_procs
  output: shell
  priority: NOTICE
- rule: shell
  condition: or (open_read and proc.name in (shell_binaries))
  override:
    condition: append
- rule: off
  desc: d
  condition: container
  output: o
  priority: DEBUG
- rule: off
  enabled: false
`),
    );
    assert.deepEqual(rules.map((r) => r.name), ['shell']);
    assert.deepEqual(fired(rules, shadowRead), ['shell']);
    const legacy = loadRules(local(`- macro: container\n  condition: and fd.name=/nothing\n  append: true\n- rule: c\n  desc: d\n  condition: container\n  output: o\n  priority: DEBUG\n`));
    assert.deepEqual(fired(legacy, shadowRead), []);
  });

  it('exceptions exclude what they name', () => {
    const text = `- rule: r
  desc: d
  condition: open_read and container
  output: o
  priority: WARNING
  exceptions:
    - name: by_proc
      fields: [proc.name, fd.directory]
      values:
        - [cat, /etc]
`;
    assert.deepEqual(fired(loadRules(local(text)), shadowRead), []);
    assert.deepEqual(fired(loadRules(local(text.replace('[cat, /etc]', '[vi, /etc]'))), shadowRead), ['r']);
  });

  it('refuses what Falco refuses, with its error codes', () => {
    const cases: Array<[string, string, RegExp]> = [
      [`- rule: r\n  desc: d\n  condition: proc.nam = cat\n  output: o\n  priority: WARNING\n`, 'LOAD_ERR_COMPILE_CONDITION', /nonexistent field proc\.nam/],
      [`- rule: r\n  desc: d\n  condition: open_reads\n  output: o\n  priority: WARNING\n`, 'LOAD_ERR_COMPILE_CONDITION', /Undefined macro 'open_reads'/],
      [`- rule: r\n  desc: d\n  condition: open_read and and fd.name=/x\n  output: o\n  priority: WARNING\n`, 'LOAD_ERR_COMPILE_CONDITION', /unexpected token/],
      [`- rule: r\n  desc: d\n  condition: (open_read\n  output: o\n  priority: WARNING\n`, 'LOAD_ERR_COMPILE_CONDITION', /expecting '\)'/],
      [`- rule: r\n  desc: d\n  condition: open_read\n  output: "%proc.nme"\n  priority: WARNING\n`, 'LOAD_ERR_COMPILE_OUTPUT', /proc\.nme/],
      [`- rule: r\n  desc: d\n  condition: open_read\n  priority: WARNING\n`, 'LOAD_ERR_YAML_VALIDATE', /no mapping for key 'output'/],
      [`- rule: r\n  desc: d\n  condition: open_read\n  output: o\n  priority: LOUD\n`, 'LOAD_ERR_YAML_VALIDATE', /Invalid priority/],
      [`- rule: r\n  desc: d\n  condition: open_read\n  output: o\n priority: WARNING\n`, 'LOAD_ERR_YAML_PARSE', /./],
      [`- rule: nothere\n  condition: and x\n  override:\n    condition: append\n`, 'LOAD_ERR_YAML_VALIDATE', /no rule by that name/],
      [`- rule: r\n  desc: d\n  condition: fd.num >= three\n  output: o\n  priority: WARNING\n`, 'LOAD_ERR_COMPILE_CONDITION', /as a number/],
    ];
    for (const [text, code, detail] of cases) {
      assert.throws(
        () => loadRules(local(text)),
        (e: unknown) => e instanceof RulesLoadError && e.code === code && detail.test(e.message) && e.message.includes('/etc/falco/falco_rules.local.yaml'),
        text,
      );
    }
  });

  it('formats the alert line as Falco does: HH:MM:SS.nnnnnnnnn: Priority output', () => {
    const ns = BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1_000_000n + 678_901_234n;
    assert.equal(formatTime(ns), '03:04:05.678901234');
    assert.equal(line(ns, 'Warning', 'x y'), '03:04:05.678901234: Warning x y');
  });
});
