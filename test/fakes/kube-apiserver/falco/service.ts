/**
 * The fake Falco service of one fake node: what `systemctl <verb> falco-modern-bpf` (alias
 * falco.service) does on a node with the Falco 0.39 package (the unit is delegated to this, as
 * kubelet.service is to the simulated kubelet). Unit as packaged: Type=simple, Restart=on-failure,
 * RestartSec=15s, ExecReload=kill -1 $MAINPID (Falco re-reads its config and rules on SIGHUP),
 * StandardOutput=null — so alerts reach the journal through Falco's syslog output
 * (`<Mon DD HH:MM:SS> <host> falco[<pid>]: <alert line>`), and its errors through stderr.
 *
 * On start/restart/reload it reads /etc/falco/falco.yaml (rules_files / rules_file, priority,
 * file_output), loads the rules files in order (rules.ts; a load error is Falco's message in the
 * journal, exit 1, the unit `activating (auto-restart)`), then samples the node's containers
 * (sampler.ts) every `intervalMs` and writes each alert line to the journal stand-in
 * /var/log/cks-fake/<unit>.log (what the fake systemctl uses for a unit's journal) and, when
 * file_output is enabled, to its file. Rules are read only then: an edited rules file changes
 * nothing until the service restarts, as with real Falco. It only ever sees the containers it is
 * given (this cluster's), never another cluster's processes.
 */
import { closeSync, constants, existsSync, lstatSync, mkdirSync, openSync, realpathSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { liveNodeRoot } from '../audit/index.js';
import YAML from 'yaml';
import { readInNode } from '../kubelet/kubeletCert.js';
import { journalPrefix, type UnitAnswer } from '../kubelet/kubeletUnit.js';
import type { Event } from './condition.js';
import { line } from './output.js';
import { loadRules, PRIORITIES, RulesLoadError, type Rule } from './rules.js';
import { ProcSampler, type WatchedContainer } from './sampler.js';

export const FALCO_VERSION = '0.39.2';
export const FALCO_UNIT = 'falco-modern-bpf.service';
const DEFAULT_RULES_FILES = ['/etc/falco/falco_rules.yaml', '/etc/falco/falco_rules.local.yaml', '/etc/falco/rules.d'];
const MAX_JOURNAL = 2000;

export interface FalcoServiceOptions {
  /** Host path of the node's root. */
  nodeRoot: string;
  nodeName: string;
  /** This cluster's containers on this node, now. */
  containers: () => WatchedContainer[];
  intervalMs?: number;
}

interface UnitState {
  active: 'active' | 'activating' | 'inactive';
  sub: 'running' | 'auto-restart' | 'dead';
  since: Date;
  pid: number;
  result?: 'exit-code';
}

interface Config {
  rulesFiles: string[];
  minPriority: number;
  fileOutput?: string;
  syslog: boolean;
}

export class FalcoService {
  private unit: UnitState = { active: 'inactive', sub: 'dead', since: new Date(), pid: 0 };
  private timer?: NodeJS.Timeout;
  private nextPid = 4000 + Math.floor(Math.random() * 1000);
  private readonly journal: string[] = [];

  constructor(private readonly opts: FalcoServiceOptions) {}

  /** Answers `systemctl <verb>` for the delegated unit. */
  systemctl(verb: string): UnitAnswer {
    switch (verb) {
      case 'start':
        if (this.unit.active !== 'active') this.launch();
        return ok();
      case 'restart':
      case 'try-restart':
        if (verb === 'try-restart' && this.unit.active !== 'active') return ok();
        this.halt(true);
        this.launch();
        return ok();
      case 'reload':
        if (this.unit.active !== 'active') return { exitCode: 1, stdout: '', stderr: `Job for ${FALCO_UNIT} canceled.\n` };
        this.halt(false);
        this.launch(this.unit.pid);
        return ok();
      case 'stop':
        this.halt(true);
        return ok();
      case 'is-active':
        return { exitCode: this.unit.active === 'active' ? 0 : 3, stdout: `${this.unit.active}\n`, stderr: '' };
      case 'status':
        return this.status();
      default:
        return { exitCode: 1, stdout: '', stderr: `Unknown command verb '${verb}'.\n` };
    }
  }

  /** Stops sampling for good (the node is deleted). */
  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private halt(log: boolean): void {
    this.dispose();
    if (log && this.unit.active === 'active') {
      this.log('systemd[1]', `Stopping ${FALCO_UNIT} - Falco: Container Native Runtime Security with modern ebpf...`);
      this.log('systemd[1]', `${FALCO_UNIT}: Deactivated successfully.`);
      this.log('systemd[1]', `Stopped ${FALCO_UNIT} - Falco: Container Native Runtime Security with modern ebpf.`);
    }
    if (log) this.unit = { active: 'inactive', sub: 'dead', since: new Date(), pid: 0 };
  }

  private launch(samePid?: number): void {
    const pid = samePid ?? this.nextPid++;
    const ident = `falco[${pid}]`;
    if (!samePid) this.log('systemd[1]', `Started ${FALCO_UNIT} - Falco: Container Native Runtime Security with modern ebpf.`);
    const stamp = falcoStamp(new Date());
    this.log(ident, `${stamp}: Falco version: ${FALCO_VERSION} (x86_64)`);
    let rules: Rule[];
    let config: Config;
    try {
      config = this.config();
      this.log(ident, `${stamp}: Falco initialized with configuration files:`);
      this.log(ident, `${stamp}:    /etc/falco/falco.yaml | schema validation: ok`);
      this.log(ident, `${stamp}: Loading rules from:`);
      const files = this.rulesFiles(config.rulesFiles);
      for (const f of files) this.log(ident, `${stamp}:    ${f.path} | schema validation: ok`);
      rules = loadRules(files);
    } catch (e) {
      const msg = e instanceof RulesLoadError || e instanceof ConfigError ? e.message : `${(e as Error).message}`;
      for (const l of `Error: ${msg}`.split('\n')) this.log(ident, l);
      this.log('systemd[1]', `${FALCO_UNIT}: Main process exited, code=exited, status=1/FAILURE`);
      this.log('systemd[1]', `${FALCO_UNIT}: Failed with result 'exit-code'.`);
      this.unit = { active: 'activating', sub: 'auto-restart', since: new Date(), pid, result: 'exit-code' };
      return;
    }
    this.log(ident, `${stamp}: Loaded event sources: syscall`);
    this.log(ident, `${stamp}: Enabled event sources: syscall`);
    this.log(ident, `${stamp}: Opening 'syscall' source with modern BPF probe.`);
    this.unit = { active: 'active', sub: 'running', since: samePid ? this.unit.since : new Date(), pid };
    const sampler = new ProcSampler();
    const enabled = rules.filter((r) => PRIORITIES.indexOf(r.priority) <= config.minPriority);
    const tick = () => {
      let events;
      try {
        events = sampler.sample(this.opts.containers());
      } catch {
        return;
      }
      for (const ev of events) {
        const get: Event = (f) => ev.fields.get(f);
        for (const r of enabled) {
          if (!r.condition(get)) continue;
          const alert = line(ev.timeNs, r.priority, r.output(get));
          if (config.syslog) this.log(ident, alert);
          if (config.fileOutput) this.append(config.fileOutput, `${alert}\n`);
        }
      }
    };
    tick();
    this.timer = setInterval(tick, this.opts.intervalMs ?? 200);
    this.timer.unref();
  }

  private config(): Config {
    let text = '';
    try {
      text = readInNode(this.opts.nodeRoot, '/etc/falco/falco.yaml');
    } catch {
      throw new ConfigError('Cannot read config file (/etc/falco/falco.yaml): cannot open file');
    }
    let doc: Record<string, unknown>;
    try {
      doc = (YAML.parse(text) ?? {}) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`Cannot read config file (/etc/falco/falco.yaml): ${(e as Error).message.split('\n')[0] ?? ''}`);
    }
    const list = doc.rules_files ?? doc.rules_file;
    const rulesFiles = Array.isArray(list) ? list.map(String) : typeof list === 'string' ? [list] : DEFAULT_RULES_FILES;
    const pr = String(doc.priority ?? 'debug').toLowerCase();
    const minPriority = PRIORITIES.findIndex((p) => p.toLowerCase() === pr || (p === 'Informational' && pr === 'info'));
    if (minPriority < 0) throw new ConfigError(`Unknown priority "${String(doc.priority)}"--must be one of emergency, alert, critical, error, warning, notice, informational, debug`);
    const fo = doc.file_output as { enabled?: unknown; filename?: unknown } | undefined;
    const so = doc.syslog_output as { enabled?: unknown } | undefined;
    const json = doc.json_output === true;
    if (json) throw new ConfigError('fake falco: json_output: true is not simulated');
    return {
      rulesFiles,
      minPriority,
      fileOutput: fo?.enabled === true && typeof fo.filename === 'string' ? fo.filename : undefined,
      syslog: so?.enabled !== false,
    };
  }

  /** The rules files as Falco reads them: a file, or a directory's files in name order; missing ones skipped. */
  private rulesFiles(paths: string[]): Array<{ path: string; text: string }> {
    const out: Array<{ path: string; text: string }> = [];
    for (const p of paths) {
      const host = join(this.opts.nodeRoot, p);
      if (!existsSync(host)) continue;
      let real: string;
      try {
        real = realpathSync(host);
      } catch {
        continue;
      }
      if (!real.startsWith(`${realpathSync(this.opts.nodeRoot)}/`)) continue;
      try {
        out.push({ path: p, text: readInNode(this.opts.nodeRoot, p) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EISDIR') throw new ConfigError(`fake falco: a rules directory (${p}) is not simulated; list its files in rules_files`);
        throw e;
      }
    }
    return out;
  }

  private log(ident: string, text: string): void {
    const entry = `${journalPrefix(new Date(), this.opts.nodeName, ident)}${text}`;
    this.journal.push(entry);
    if (this.journal.length > MAX_JOURNAL) this.journal.splice(0, this.journal.length - MAX_JOURNAL);
    this.append(`/var/log/cks-fake/${FALCO_UNIT}.log`, `${entry}\n`);
  }

  /**
   * Appends to a node file through the running node's root (liveNodeRoot: its overlay, so the node
   * sees the write at once), never through a symlink: every directory on the way must be a real
   * directory and the file is opened O_NOFOLLOW (a learner is root on the node).
   */
  private append(nodePath: string, text: string): void {
    const root = liveNodeRoot(this.opts.nodeRoot);
    const parts = nodePath.split('/').filter(Boolean);
    try {
      let dir = root;
      for (const p of parts.slice(0, -1)) {
        dir = join(dir, p);
        if (!existsSync(dir)) mkdirSync(dir);
        if (!lstatSync(dir).isDirectory()) return;
      }
      const fd = openSync(join(dir, parts[parts.length - 1]!), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      try {
        writeSync(fd, text);
      } finally {
        closeSync(fd);
      }
    } catch {
      // the learner removed or replaced the path: Falco would log an error and go on
    }
  }

  private status(): UnitAnswer {
    const u = this.unit;
    const now = Date.now();
    const ago = `${Math.max(0, Math.floor((now - u.since.getTime()) / 1000))}s ago`;
    const active = u.active === 'active' ? `active (running) since ${systemdStamp(u.since)}; ${ago}`
      : u.active === 'activating' ? `activating (auto-restart) (Result: exit-code) since ${systemdStamp(u.since)}; ${ago}`
      : `inactive (dead)`;
    const lines = [
      `${u.active === 'inactive' ? '○' : '●'} ${FALCO_UNIT} - Falco: Container Native Runtime Security with modern ebpf`,
      `     Loaded: loaded (/usr/lib/systemd/system/${FALCO_UNIT}; enabled; preset: enabled)`,
      `     Active: ${active}`,
      '       Docs: https://falco.org/docs/',
    ];
    if (u.active === 'active') lines.push(`   Main PID: ${u.pid} (falco)`, `             └─${u.pid} /usr/bin/falco -o engine.kind=modern_ebpf`);
    else if (u.result === 'exit-code') lines.push(`    Process: ${u.pid} ExecStart=/usr/bin/falco -o engine.kind=modern_ebpf (code=exited, status=1/FAILURE)`, `   Main PID: ${u.pid} (code=exited, status=1/FAILURE)`);
    const tail = this.journal.slice(-10);
    return { exitCode: u.active === 'active' ? 0 : 3, stdout: `${lines.join('\n')}\n${tail.length ? `\n${tail.join('\n')}\n` : ''}`, stderr: '' };
  }
}

class ConfigError extends Error {}

/** The kubelet's running workload containers (CRI view) that have a process, as the sampler watches them. */
export function watchedContainers(list: Array<{ id: string; pid?: number; name: string; image: string; podName: string; namespace?: string }>): WatchedContainer[] {
  return list.flatMap((c) => (c.pid === undefined ? [] : [{ id: c.id, pid: c.pid, name: c.name, image: c.image, podName: c.podName, namespace: c.namespace ?? '' }]));
}

function ok(): UnitAnswer {
  return { exitCode: 0, stdout: '', stderr: '' };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** Falco's own log-line time: `Mon Nov 30 06:24:00 2026`. */
function falcoStamp(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

function systemdStamp(d: Date): string {
  return `${DAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;
}
