#!/usr/bin/env node
/** tsc compiles only .ts: copy the runtime assets the compiled app reads (SQL migrations) into dist/. */
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const from = path.join(root, 'shared', 'jobs', 'sql');
const to = path.join(root, 'dist', 'shared', 'jobs', 'sql');
fs.mkdirSync(to, { recursive: true });
for (const f of fs.readdirSync(from).filter((n) => n.endsWith('.sql')))
  fs.copyFileSync(path.join(from, f), path.join(to, f));
console.log(`copied SQL migrations to ${path.relative(root, to)}`);
