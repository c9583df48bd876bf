#!/usr/bin/env node
/**
 * The npm registry mirror of our build machines lacks the other platforms' prebuilt binaries
 * (e.g. @duckdb/node-bindings-darwin-arm64 is a 404), so `npm install` leaves them out of
 * package-lock.json and `npm ci` then refuses the lock as "out of sync". This adds the entries a
 * full registry would have written — optional, with the package's os/cpu/libc — which `npm ci`
 * skips on this platform without fetching. Run after `npm install` changes the lock.
 */
const fs = require('node:fs');
const path = require('node:path');

const lockPath = path.join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const pkgs = lock.packages;
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p));
  if (!os || !cpu) return null;
  const tail = parts.slice(parts.indexOf(cpu) + 1).join('-');
  const libc = /musl/.test(tail) ? ['musl'] : os === 'linux' && /gnu/.test(tail) ? ['glibc'] : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc } : {}) };
}

let added = 0;
for (const [key, entry] of Object.entries(pkgs)) {
  for (const [dep, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = key === '' ? '' : `${key}/`;
    const candidates = [`${base}node_modules/${dep}`, `node_modules/${dep}`];
    if (candidates.some((c) => pkgs[c])) continue;
    const platform = platformOf(dep);
    if (!platform) continue;
    pkgs[`node_modules/${dep}`] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
fs.writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} platform stub entries`);
