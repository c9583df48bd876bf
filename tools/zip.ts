/**
 * A folder → .zip writer (deflate), enough for a zip deploy payload, so packaging needs neither a
 * `zip` binary (absent on Windows and slim CI images) nor a dependency. Deterministic: entries in
 * path order, a fixed timestamp, so the same folder gives the same bytes. Unix modes are kept
 * (executables stay executable). No ZIP64: a folder beyond 65,535 entries or 4 GiB is refused.
 */
import { closeSync, lstatSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export class ZipLimitError extends Error {
  override name = 'ZipLimitError';
}

// 2000-01-01 00:00 in MS-DOS date/time fields: a fixed time keeps the archive reproducible
const DOS_TIME = 0;
const DOS_DATE = ((2000 - 1980) << 9) | (1 << 5) | 1;
const UTF8_NAMES = 0x0800;
const MADE_BY_UNIX = (3 << 8) | 20;
const MAX_U32 = 0xffffffff;

interface Entry {
  name: string;
  mode: number;
  method: 0 | 8;
  crc: number;
  compressed: number;
  size: number;
  offset: number;
}

/** Paths below `dir` ('/'-separated), directories with a trailing '/', sorted; symlinks are followed. */
function walk(dir: string): Array<{ name: string; path: string; directory: boolean }> {
  const out: Array<{ name: string; path: string; directory: boolean }> = [];
  const visit = (rel: string): void => {
    for (const name of readdirSync(rel ? join(dir, rel) : dir).sort()) {
      const childRel = rel ? `${rel}/${name}` : name;
      const path = join(dir, childRel);
      const directory = (lstatSync(path).isSymbolicLink() ? statSync(path) : lstatSync(path)).isDirectory();
      out.push({ name: directory ? `${childRel}/` : childRel, path, directory });
      if (directory) visit(childRel);
    }
  };
  visit('');
  return out;
}

/** Writes every file and folder under `dir` into the zip file `target` (replaced). Returns the entry count. */
export function writeZip(dir: string, target: string): number {
  const items = walk(dir);
  if (items.length > 0xffff) throw new ZipLimitError(`${items.length} entries: more than a zip without ZIP64 holds`);
  const fd = openSync(target, 'w');
  const entries: Entry[] = [];
  let offset = 0;
  const write = (b: Buffer): void => {
    writeSync(fd, b);
    offset += b.length;
  };
  try {
    for (const item of items) {
      const mode = statSync(item.path).mode;
      const data = item.directory ? Buffer.alloc(0) : readFileSync(item.path);
      const deflated = data.length > 0 ? deflateRawSync(data) : data;
      // incompressible files (wasm, already-compressed data) are stored as they are
      const method: 0 | 8 = deflated.length < data.length ? 8 : 0;
      const body = method === 8 ? deflated : data;
      if (offset > MAX_U32 || body.length > MAX_U32)
        throw new ZipLimitError(`${item.name}: the archive passes 4 GiB (no ZIP64)`);
      const name = Buffer.from(item.name, 'utf8');
      const entry: Entry = {
        name: item.name,
        mode,
        method,
        crc: crc32(data),
        compressed: body.length,
        size: data.length,
        offset,
      };
      const header = Buffer.alloc(30);
      header.writeUInt32LE(0x04034b50, 0);
      header.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
      header.writeUInt16LE(UTF8_NAMES, 6);
      header.writeUInt16LE(method, 8);
      header.writeUInt16LE(DOS_TIME, 10);
      header.writeUInt16LE(DOS_DATE, 12);
      header.writeUInt32LE(entry.crc, 14);
      header.writeUInt32LE(entry.compressed, 18);
      header.writeUInt32LE(entry.size, 22);
      header.writeUInt16LE(name.length, 26);
      header.writeUInt16LE(0, 28); // no extra field
      write(header);
      write(name);
      write(body);
      entries.push(entry);
    }
    const centralStart = offset;
    for (const e of entries) {
      const name = Buffer.from(e.name, 'utf8');
      const h = Buffer.alloc(46);
      h.writeUInt32LE(0x02014b50, 0);
      h.writeUInt16LE(MADE_BY_UNIX, 4);
      h.writeUInt16LE(20, 6);
      h.writeUInt16LE(UTF8_NAMES, 8);
      h.writeUInt16LE(e.method, 10);
      h.writeUInt16LE(DOS_TIME, 12);
      h.writeUInt16LE(DOS_DATE, 14);
      h.writeUInt32LE(e.crc, 16);
      h.writeUInt32LE(e.compressed, 20);
      h.writeUInt32LE(e.size, 24);
      h.writeUInt16LE(name.length, 28);
      h.writeUInt16LE(0, 30); // extra
      h.writeUInt16LE(0, 32); // comment
      h.writeUInt16LE(0, 34); // disk
      h.writeUInt16LE(0, 36); // internal attributes
      // Unix mode in the high half; MS-DOS directory bit in the low one for Windows extractors
      h.writeUInt32LE((((e.mode & 0xffff) << 16) | (e.name.endsWith('/') ? 0x10 : 0)) >>> 0, 38);
      h.writeUInt32LE(e.offset, 42);
      write(h);
      write(name);
    }
    const centralSize = offset - centralStart;
    if (offset > MAX_U32) throw new ZipLimitError('the archive passes 4 GiB (no ZIP64)');
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0, 4);
    end.writeUInt16LE(0, 6);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(centralSize, 12);
    end.writeUInt32LE(centralStart, 16);
    end.writeUInt16LE(0, 20);
    write(end);
  } finally {
    closeSync(fd);
  }
  return entries.length;
}
