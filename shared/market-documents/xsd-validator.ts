/**
 * XSD validation of the XML documents this app sends (RSM-014 to MessageHub, the eSett
 * document). libxml2 compiled to WASM (xmllint-wasm): the same validator as `xmllint --schema`,
 * with no system package or binary download, so tests and CI validate in-process.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validateXML } from 'xmllint-wasm';

export interface XsdSchemaSet {
  /** The schema the documents are validated against (its file name, in `dir`). */
  main: string;
  /** Folder holding `main` and every schema it imports/includes (relative schemaLocations). */
  dir: string;
}

export interface XsdValidationResult {
  valid: boolean;
  /** libxml2's messages, e.g. `doc.xml:12: Schemas validity error : Element 'quality': ...`. */
  errors: string[];
}

interface FileInput {
  fileName: string;
  contents: string;
}

const loaded = new Map<string, { schema: FileInput; preload: FileInput[] }>();

function schemaFiles(set: XsdSchemaSet): { schema: FileInput; preload: FileInput[] } {
  const key = join(set.dir, set.main);
  let files = loaded.get(key);
  if (!files) {
    const read = (name: string): FileInput => ({ fileName: name, contents: readFileSync(join(set.dir, name), 'utf8') });
    const others = readdirSync(set.dir).filter((f) => f.endsWith('.xsd') && f !== set.main);
    files = { schema: read(set.main), preload: others.map(read) };
    loaded.set(key, files);
  }
  return files;
}

/** Validates documents against a schema set; `name` labels each document in error messages. */
export async function validateAgainstXsd(
  set: XsdSchemaSet,
  documents: ReadonlyArray<{ name: string; xml: string }>,
): Promise<Map<string, XsdValidationResult>> {
  const { schema, preload } = schemaFiles(set);
  const out = new Map<string, XsdValidationResult>();
  // one document per call: libxml2 reports errors per file, and a result per document is clearer
  for (const d of documents) {
    const r = await validateXML({ xml: [{ fileName: basename(d.name), contents: d.xml }], schema: [schema], preload });
    out.set(d.name, { valid: r.valid, errors: r.errors.map((e) => e.rawMessage) });
  }
  return out;
}

/** A document that does not validate against its schema, with libxml2's messages. */
export class XsdValidationError extends Error {
  constructor(
    readonly documentName: string,
    /** The main schema's file name. */
    readonly schema: string,
    readonly errors: readonly string[],
  ) {
    super(`${documentName} does not validate against ${schema}:\n${errors.join('\n')}`);
    this.name = 'XsdValidationError';
  }
}

/** Throws an XsdValidationError with libxml2's messages unless `xml` validates. */
export async function assertValidXml(set: XsdSchemaSet, name: string, xml: string): Promise<void> {
  const r = (await validateAgainstXsd(set, [{ name, xml }])).get(name) as XsdValidationResult;
  if (!r.valid) throw new XsdValidationError(name, set.main, r.errors);
}
