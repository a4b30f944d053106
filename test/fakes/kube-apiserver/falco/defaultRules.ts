/**
 * The part of Falco's default ruleset (falcosecurity/rules, rules/falco_rules.yaml, the file the
 * Falco 0.39 package installs as /etc/falco/falco_rules.yaml) that the fake Falco can evaluate:
 * the macros and lists a custom rule is written with (open_read, open_write, spawned_process,
 * container, shell_procs, sensitive_files, ...), same names and conditions. The real file's rules
 * use fields the fake's process sampling cannot fill (network tuples, proc.duration, ...), so they
 * are left out rather than evaluated wrongly. The text is falco_rules.yaml next to this file; a fake
 * node with the falco lab gets it as /etc/falco/falco_rules.yaml (test/fakes/lib/falco-files.mjs).
 */
import { readFileSync } from 'node:fs';

export const DEFAULT_RULES = readFileSync(new URL('./falco_rules.yaml', import.meta.url), 'utf8');
