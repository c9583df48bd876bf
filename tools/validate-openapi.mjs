#!/usr/bin/env node
/**
 * `node tools/validate-openapi.mjs FILE|URL` — validates an OpenAPI document (3.0/3.1/3.2) with
 * @seriousme/openapi-schema-validator and prints `{"valid":…,"version":…,"errors":…}`; exit 1
 * when invalid. A plain-Node ESM script because the validator is ESM with `import.meta`, which
 * jest's CommonJS runtime cannot load: test/handlers/openapi.test.ts runs it as a child process.
 */
import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';

const where = process.argv[2];
if (!where) {
  console.error('usage: node tools/validate-openapi.mjs FILE|URL');
  process.exit(2);
}
const text = /^https?:/.test(where) ? await (await fetch(where)).text() : await readFile(where, 'utf8');
const validator = new Validator();
const result = await validator.validate(JSON.parse(text));
console.log(JSON.stringify({ valid: result.valid, version: validator.version, errors: result.errors ?? null }));
process.exit(result.valid ? 0 : 1);
