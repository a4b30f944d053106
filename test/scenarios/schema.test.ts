import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { REPO_ROOT } from './helpers.js';
import { defaultSchemaPath } from '../../server/scenarios/index.js';

type SchemaNode = Record<string, unknown>;

/** Every schema object that declares `properties`, with its location. */
function* propertyMaps(node: unknown, at: string): Generator<[string, Record<string, SchemaNode>]> {
  if (node === null || typeof node !== 'object') return;
  const rec = node as SchemaNode;
  if (rec.properties && typeof rec.properties === 'object') yield [at, rec.properties as Record<string, SchemaNode>];
  for (const [k, v] of Object.entries(rec)) yield* propertyMaps(v, `${at}/${k}`);
}

describe('scenarios/schema.json', () => {
  const schema = JSON.parse(readFileSync(defaultSchemaPath(), 'utf8')) as SchemaNode;

  it('is a valid draft-07 JSON Schema that ajv compiles in strict mode', () => {
    const ajv = new Ajv({ strict: true, allowUnionTypes: true, strictRequired: false });
    assert.equal(ajv.validateSchema(schema), true, JSON.stringify(ajv.errors));
    assert.doesNotThrow(() => ajv.compile(schema));
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.match(String(schema.$id), /^https:\/\//);
  });

  it('gives editors a description for every property', () => {
    const missing: string[] = [];
    for (const [at, props] of propertyMaps(schema, '#')) {
      if (at.includes('/if')) continue; // discriminator conditions, not fields an author writes
      for (const [name, prop] of Object.entries(props)) {
        if (typeof prop.description === 'string') continue;
        // a bare $ref inherits the description of what it points at
        const ref = typeof prop.$ref === 'string' ? (schema.definitions as Record<string, SchemaNode>)[prop.$ref.split('/').pop()!] : undefined;
        if (typeof ref?.description !== 'string') missing.push(`${at}/${name}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('catches typos everywhere: every object with properties forbids unknown ones', () => {
    const open: string[] = [];
    for (const [at] of propertyMaps(schema, '#')) {
      const node = at.split('/').slice(1).reduce<unknown>((n, k) => (n as SchemaNode)[k], schema) as SchemaNode;
      if (at.endsWith('/check') || at.includes('/if')) continue; // the discriminator wrapper; its `then` branches are closed
      if (node.additionalProperties !== false) open.push(at);
    }
    assert.deepEqual(open, []);
  });
});

describe('labs/lab.schema.json', () => {
  it('compiles and accepts every lab.yaml in the repository', () => {
    const labsDir = join(REPO_ROOT, 'labs');
    const ajv = new Ajv({ strict: true, allErrors: true });
    const validate = ajv.compile(JSON.parse(readFileSync(join(labsDir, 'lab.schema.json'), 'utf8')) as object);
    for (const d of readdirSync(labsDir, { withFileTypes: true })) {
      const file = join(labsDir, d.name, 'lab.yaml');
      if (!d.isDirectory() || !existsSync(file)) continue;
      assert.equal(validate(parse(readFileSync(file, 'utf8'))), true, `${file}: ${JSON.stringify(validate.errors)}`);
    }
    assert.equal(validate({ id: 'x', description: 'd', nodeImage: 'kindest/node:v1', extra: 1 }), false, 'unknown fields are caught');
  });
});
