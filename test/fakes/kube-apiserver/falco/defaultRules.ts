/**
 * The part of Falco's default ruleset (falcosecurity/rules, rules/falco_rules.yaml, the file the
 * Falco 0.39 package installs as /etc/falco/falco_rules.yaml) that the fake Falco can evaluate:
 * the macros and lists a custom rule is written with (open_read, open_write, spawned_process,
 * container, shell_procs, sensitive_files, ...), same names and conditions. The real file's rules
 * use fields the fake's process sampling cannot fill (network tuples, proc.duration, ...), so they
 * are left out rather than evaluated wrongly; a fake node's /etc/falco/falco_rules.yaml holds this.
 */
export const DEFAULT_RULES = `# Falco default ruleset, the subset the CKS Lab fake Falco evaluates (see defaultRules.ts).
- required_engine_version: 17

- macro: open_write
  condition: (evt.type in (open,openat,openat2) and evt.is_open_write=true and fd.typechar='f' and fd.num>=0)

- macro: open_read
  condition: (evt.type in (open,openat,openat2) and evt.is_open_read=true and fd.typechar='f' and fd.num>=0)

- macro: never_true
  condition: (evt.num=0)

- macro: proc_name_exists
  condition: (proc.name!="<NA>")

- macro: spawned_process
  condition: (evt.type in (execve, execveat) and evt.dir=<)

- macro: etc_dir
  condition: (fd.name startswith /etc/)

- macro: root_dir
  condition: (fd.directory=/ or fd.name startswith /root/)

- list: shell_binaries
  items: [ash, bash, csh, ksh, sh, tcsh, zsh, dash]

- macro: shell_procs
  condition: proc.name in (shell_binaries)

- list: sensitive_file_names
  items: [/etc/shadow, /etc/sudoers, /etc/pam.conf, /etc/security/pwquality.conf]

- macro: sensitive_files
  condition: >
    fd.name startswith /etc and
    (fd.name in (sensitive_file_names)
     or fd.directory in (/etc/sudoers.d, /etc/pam.d))

- macro: container
  condition: (container.id != host)

- macro: system_users
  condition: user.name in (bin, daemon, games, lp, mail, nobody, sshd, sync, uucp, www-data)
`;
