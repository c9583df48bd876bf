/**
 * The official DataHub CIM XSDs (RSM-014) are Energinet's files, not part of this repository: they
 * sit next to the checkout (`../shared/schemas/cim`, see README "Official CIM schemas"). A plain
 * clone has no such folder, so the tests that validate against them are skipped there with one
 * line saying why, instead of failing with ENOENT deep inside the validator.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RSM014_XSD } from '../../shared/market-documents/rsm014';
import type { XsdSchemaSet } from '../../shared/market-documents/xsd-validator';

/** Environment variable naming the folder that holds the official CIM XSDs. */
export const CIM_SCHEMAS_DIR_ENV = 'CIM_SCHEMAS_DIR';

const REPO_ROOT = resolve(__dirname, '../..');

/** The folder of the official CIM XSDs: `$CIM_SCHEMAS_DIR`, else `../shared/schemas/cim` next to the checkout. */
export function cimSchemasDir(env: NodeJS.ProcessEnv = process.env): string {
  const configured = env[CIM_SCHEMAS_DIR_ENV];
  return configured ? resolve(configured) : resolve(REPO_ROOT, '../shared/schemas/cim');
}

/** The RSM-014 schema set, the folder's state, and the one-line reason when it cannot be used. */
export function rsm014Schemas(env: NodeJS.ProcessEnv = process.env): {
  set: XsdSchemaSet;
  present: boolean;
  skipReason: string;
} {
  const dir = cimSchemasDir(env);
  // the main schema is what validation opens first; without it the folder is of no use
  const present = existsSync(join(dir, RSM014_XSD));
  return {
    set: { main: RSM014_XSD, dir },
    present,
    skipReason:
      `official CIM XSDs not found (${join(dir, RSM014_XSD)}): RSM-014 schema validation skipped; ` +
      `set ${CIM_SCHEMAS_DIR_ENV} to the folder holding them (README "Official CIM schemas")`,
  };
}

const announced = new Set<string>();

/**
 * `it` when the official schemas are present, else `it.skip` after writing the reason once per
 * test file (to stderr directly: jest's console adds a stack excerpt, and one line is the point).
 */
export function itWithCimSchemas(): jest.It {
  const { present, skipReason } = rsm014Schemas();
  if (present) return it;
  const file = expect.getState().testPath ?? '';
  if (!announced.has(file)) {
    announced.add(file);
    process.stderr.write(`SKIPPED: ${skipReason}\n`);
  }
  return it.skip;
}
