import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ScenarioProblem } from './types.js';
import type { FieldPath } from './fieldPath.js';
import { formatFieldPath } from './fieldPath.js';

/** A parsed YAML file that can say on which line a field sits. */
export interface YamlSource {
  file: string;
  /** The plain JS value (undefined when the file has syntax errors). */
  value: unknown;
  /** Syntax errors, each with file and line. */
  syntaxProblems: ScenarioProblem[];
  /** Position of the field's value (or of its key, with `key: true`); falls back to the nearest parent. */
  locate(path: FieldPath, opts?: { key?: boolean }): { line: number; column: number } | undefined;
  /** A problem at `path`, with file, line and formatted field. */
  problem(path: FieldPath, message: string, opts?: { key?: boolean }): ScenarioProblem;
}

/** Parse YAML text keeping positions, so problems can name the line. */
export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const syntaxProblems: ScenarioProblem[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    return { file, line: pos.line, column: pos.col, message: `YAML syntax error: ${firstLine(e.message)}` };
  });
  const value: unknown = syntaxProblems.length > 0 ? undefined : doc.toJS({ maxAliasCount: 100 });

  const locate = (path: FieldPath, opts: { key?: boolean } = {}): { line: number; column: number } | undefined => {
    const offset = findOffset(doc, path, opts.key ?? false);
    if (offset === undefined) return undefined;
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const problem = (path: FieldPath, message: string, opts: { key?: boolean } = {}): ScenarioProblem => {
    const pos = locate(path, opts);
    const field = formatFieldPath(path);
    return {
      file,
      ...(pos ? { line: pos.line, column: pos.column } : {}),
      ...(field === '' ? {} : { field }),
      message,
    };
  };
  return { file, value, syntaxProblems, locate, problem };
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).trim();
}

function deref(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** Offset of the deepest node along `path` (the key of the last pair when `key`). */
function findOffset(doc: Document, path: FieldPath, key: boolean): number | undefined {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    node = deref(doc, node);
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => String(isScalar(p.key) ? p.key.value : p.key) === String(seg));
      if (!pair) return offset;
      if (last && key) return rangeStart(pair.key) ?? offset;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
    } else {
      return offset;
    }
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
