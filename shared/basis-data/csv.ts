import { readFile } from 'node:fs/promises';
import { ValidationError } from './errors';

export interface CsvTable {
  file: string;
  header: string[];
  /** Data rows (header excluded); row r of the file is `rows[r - 1]`. */
  rows: string[][];
}

/**
 * Reads a `;`-separated file with a header row (the reference scenario format). Fields are
 * not quoted in that format; surrounding whitespace and a trailing CR are dropped. Short rows are
 * an error so a missing column is never silently read as null.
 */
export async function readCsv(path: string, displayName: string, separator = ';'): Promise<CsvTable> {
  const text = await readFile(path, 'utf8');
  return parseCsv(text, displayName, separator);
}

export function parseCsv(text: string, file: string, separator = ';'): CsvTable {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw new ValidationError(file, null, null, 'file is empty (a header row is required)');
  const header = splitLine(lines[0], separator);
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const fields = splitLine(line, separator);
    if (fields.length !== header.length) {
      throw new ValidationError(
        file,
        i,
        null,
        `expected ${header.length} fields separated by '${separator}', found ${fields.length}`,
      );
    }
    rows.push(fields);
  }
  return { file, header, rows };
}

function splitLine(line: string, separator: string): string[] {
  return line
    .replace(/\r$/, '')
    .split(separator)
    .map((f) => f.trim());
}

/** Index of each required column; an absent required column is a validation error. */
export function columnIndexes<T extends string>(
  table: CsvTable,
  required: readonly T[],
  optional: readonly T[] = [],
): Record<T, number> {
  const out = {} as Record<T, number>;
  for (const c of required) {
    const i = table.header.indexOf(c);
    if (i < 0) throw new ValidationError(table.file, null, c, 'required column is missing from the header');
    out[c] = i;
  }
  for (const c of optional) out[c] = table.header.indexOf(c);
  return out;
}
