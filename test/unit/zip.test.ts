/**
 * tools/zip.ts, the writer of the zip deploy payload: every file comes back byte for byte with its
 * mode, folders are listed, the archive is reproducible; read back by an independent reader of the
 * format written here (central directory → local headers → inflate, CRC checked) and, where the
 * machine has it, by Info-ZIP's `unzip -t` (what Kudu-style extractors are compatible with).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { crc32, writeZip } from '../../tools/zip';

interface ReadEntry {
  name: string;
  data: Buffer;
  mode: number;
  method: number;
}

/** Reads a zip through its central directory, as extractors do. */
function readZip(file: string): ReadEntry[] {
  const zip = readFileSync(file);
  const end = zip.length - 22;
  expect(zip.readUInt32LE(end)).toBe(0x06054b50);
  const count = zip.readUInt16LE(end + 10);
  let p = zip.readUInt32LE(end + 16);
  const out: ReadEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(p)).toBe(0x02014b50);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLength = zip.readUInt16LE(p + 28);
    const extra = zip.readUInt16LE(p + 30);
    const comment = zip.readUInt16LE(p + 32);
    const mode = zip.readUInt32LE(p + 38) >>> 16;
    const local = zip.readUInt32LE(p + 42);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString('utf8');
    expect(zip.readUInt32LE(local)).toBe(0x04034b50);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const body = zip.subarray(start, start + compressed);
    const data = method === 8 ? inflateRawSync(body) : Buffer.from(body);
    expect({ name, size: data.length, crc: crc32(data) }).toEqual({ name, size, crc });
    out.push({ name, data, mode, method });
    p += 46 + nameLength + extra + comment;
  }
  return out;
}

function hasUnzip(): boolean {
  try {
    execFileSync('unzip', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('writeZip', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'src');
  const files: Record<string, Buffer> = {
    'package.json': Buffer.from('{"main":"dist/functions/index.js"}\n'),
    'dist/functions/index.js': Buffer.from('"use strict";\n'.repeat(500)),
    'dist/shared/empty.txt': Buffer.alloc(0),
    'node_modules/parquet-wasm/random.wasm': randomBytes(300_000), // incompressible: stored
    'node_modules/esbuild/bin/esbuild': Buffer.from('#!/bin/sh\necho hi\n'),
    'node_modules/æøå/ünïcode.js': Buffer.from('module.exports = 1;\n'),
  };

  beforeAll(() => {
    for (const [name, data] of Object.entries(files)) {
      mkdirSync(join(src, name, '..'), { recursive: true });
      writeFileSync(join(src, name), data);
    }
    chmodSync(join(src, 'node_modules/esbuild/bin/esbuild'), 0o755);
    chmodSync(join(src, 'package.json'), 0o644);
  });

  it('every file comes back byte for byte with its mode; folders are entries; the crc32 is the standard one', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926); // the CRC-32 check value
    const target = join(dir, 'a.zip');
    const n = writeZip(src, target);
    const entries = readZip(target);
    expect(entries).toHaveLength(n);
    const fileEntries = entries.filter((e) => !e.name.endsWith('/'));
    expect(fileEntries.map((e) => e.name).sort()).toEqual(Object.keys(files).sort());
    for (const e of fileEntries)
      expect({ name: e.name, same: e.data.equals(files[e.name]) }).toEqual({ name: e.name, same: true });
    const byName = new Map(entries.map((e) => [e.name, e]));
    expect(byName.get('node_modules/esbuild/bin/esbuild')?.mode).toBe(
      statSync(join(src, 'node_modules/esbuild/bin/esbuild')).mode,
    );
    expect((byName.get('node_modules/esbuild/bin/esbuild')?.mode ?? 0) & 0o777).toBe(0o755);
    expect((byName.get('package.json')?.mode ?? 0) & 0o777).toBe(0o644);
    expect(byName.get('node_modules/parquet-wasm/random.wasm')?.method).toBe(0);
    expect(byName.get('dist/functions/index.js')?.method).toBe(8);
    expect(entries.filter((e) => e.name.endsWith('/')).map((e) => e.name)).toEqual(
      expect.arrayContaining(['dist/', 'dist/functions/', 'node_modules/æøå/']),
    );
  });

  it('is reproducible: the same folder gives the same bytes', () => {
    writeZip(src, join(dir, 'b.zip'));
    writeZip(src, join(dir, 'c.zip'));
    expect(readFileSync(join(dir, 'b.zip')).equals(readFileSync(join(dir, 'c.zip')))).toBe(true);
  });

  (hasUnzip() ? it : it.skip)('Info-ZIP unzip tests it without error and lists every file', () => {
    const target = join(dir, 'd.zip');
    writeZip(src, target);
    expect(execFileSync('unzip', ['-tq', target], { encoding: 'utf8' })).toMatch(/No errors detected/);
    const listed = execFileSync('unzip', ['-Z1', target], { encoding: 'utf8' }).trim().split('\n');
    for (const name of Object.keys(files)) expect(listed).toContain(name);
    const x = join(dir, 'x');
    execFileSync('unzip', ['-q', target, '-d', x]);
    for (const [name, data] of Object.entries(files)) expect(readFileSync(join(x, name)).equals(data)).toBe(true);
    expect(statSync(join(x, 'node_modules/esbuild/bin/esbuild')).mode & 0o111).not.toBe(0);
  });
});
