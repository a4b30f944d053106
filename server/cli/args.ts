import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A CLI usage problem: printed as one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** node:util parseArgs with errors turned into one-line UsageErrors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    // One line: node's messages for some mistakes (e.g. `--cluster -x`) span several.
    const message = (e as Error).message.replace(/\. To specify a positional.*$/s, '').trim().replace(/\s*\n\s*/g, ' ');
    throw new UsageError(message);
  }
}

export const USAGE = `Usage:
  cks-lab serve [--port 3000] [--host 127.0.0.1] [--data-dir DIR] [--instructor-token TOKEN]
  cks-lab scenarios list [--json]
  cks-lab validate [DIR]
  cks-lab grade <scenario-id> --cluster <kind-cluster-name> [--kubeconfig FILE]
                [--format text|json|junit] [--output FILE]
  cks-lab clusters list | create <name> --lab <lab> | delete <name>
  cks-lab prove [scenario-id…] [--keep]
  cks-lab new <scenario-id> [--dir DIR]`;
