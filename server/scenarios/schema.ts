import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

/**
 * Where scenarios/schema.json lives: found by walking up from this module (works from the
 * sources under tsx and from dist/ after `tsc`), so no path is hard-coded.
 */
export function defaultSchemaPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'scenarios', 'schema.json');
    if (existsSync(candidate) && existsSync(join(dir, 'package.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('scenarios/schema.json not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

/** A compiled scenario.yaml validator: returns ajv's errors (empty when valid). */
export interface ScenarioSchema {
  validate(value: unknown): ErrorObject[];
}

/**
 * Compile the JSON Schema (draft-07) with ajv: allErrors so one run reports every problem,
 * verbose so each error carries its schema (allowed keys, enum values) for helpful messages.
 */
export function compileScenarioSchema(schemaPath: string = defaultSchemaPath()): ScenarioSchema {
  const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, verbose: true, allowUnionTypes: true, strict: true, strictRequired: false });
  const validate: ValidateFunction = ajv.compile(schema);
  return {
    validate(value: unknown): ErrorObject[] {
      return validate(value) ? [] : [...(validate.errors ?? [])];
    },
  };
}
