/**
 * The results API's page cursor: an opaque token naming where the next page starts (manifest
 * file index + row index in that file, result-stream.ts), bound to the query that issued it.
 * It is not a security boundary — every page applies the caller's access rules again — but a
 * cursor from another query (job, kind, type, grid area) or an edited one would silently skip or
 * repeat rows, so both are refused (400 naming `cursor`): the token carries a hash of its query
 * and a checksum over query and position.
 */
import { createHash } from 'node:crypto';
import type { ResultPosition } from './result-stream';

export interface CursorQuery {
  jobId: string;
  kind: string;
  type?: string;
  gridArea?: string;
}

const queryKey = (q: CursorQuery) => JSON.stringify([q.jobId, q.kind, q.type ?? '', q.gridArea ?? '']);
const digest = (text: string) => createHash('sha256').update(text).digest('base64url').slice(0, 16);

/** The longest cursor we issue is well below this; anything longer is not ours. */
const MAX_CURSOR_CHARS = 256;

export function encodeCursor(query: CursorQuery, at: ResultPosition): string {
  const key = queryKey(query);
  const token = { f: at.file, r: at.row, q: digest(key), c: digest(`${key}|${at.file}|${at.row}`) };
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export type DecodedCursor = { ok: true; at: ResultPosition } | { ok: false; message: string };

/** The position a cursor names, or why it is refused. `fileCount`: the kind's committed files. */
export function decodeCursor(text: string, query: CursorQuery, fileCount: number): DecodedCursor {
  const malformed = {
    ok: false,
    message: 'malformed: not a cursor issued by this API (use nextCursor as given)',
  } as const;
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) return malformed;
  let token: unknown;
  try {
    token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return malformed;
  }
  if (typeof token !== 'object' || token === null) return malformed;
  const { f, r, q, c } = token as Record<string, unknown>;
  if (!Number.isSafeInteger(f) || !Number.isSafeInteger(r) || typeof q !== 'string' || typeof c !== 'string')
    return malformed;
  const file = f as number;
  const row = r as number;
  const key = queryKey(query);
  if (q !== digest(key))
    return {
      ok: false,
      message: 'issued for another query: a cursor continues the job, kind, type and gridArea it came from',
    };
  if (c !== digest(`${key}|${file}|${row}`) || file < 0 || row < 0 || file >= fileCount)
    return { ok: false, message: 'altered: its position does not match its checksum (use nextCursor as given)' };
  return { ok: true, at: { file, row } };
}
