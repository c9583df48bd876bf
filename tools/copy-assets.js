#!/usr/bin/env node
/**
 * tsc compiles only .ts: copy every other file of the app's folders (SQL migrations, the eSett
 * XSD, the .proto contracts) to the same place under the output folder, so code that reads a file
 * beside itself (`__dirname`) finds it once compiled. Used by `npm run build` (into dist/) and by
 * the deploy package (tools/package.ts).
 */
const fs = require('node:fs');
const path = require('node:path');

/** The app's folders: what the Functions host runs. */
const APP_FOLDERS = ['functions', 'shared'];

/** Copies the assets of `root`'s app folders into `outDir`; returns the copied files (absolute). */
function copyAssets(root, outDir) {
  const copied = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.join(rel, e.name);
      if (e.isDirectory()) walk(child);
      else if (e.isFile() && !e.name.endsWith('.ts')) {
        const to = path.join(outDir, child);
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.copyFileSync(path.join(root, child), to);
        copied.push(to);
      }
    }
  };
  for (const folder of APP_FOLDERS) walk(folder);
  return copied.sort();
}

if (require.main === module) {
  const root = path.join(__dirname, '..');
  const outDir = path.resolve(process.argv[2] ?? path.join(root, 'dist'));
  const copied = copyAssets(root, outDir);
  console.log(
    `copied ${copied.length} assets (${copied
      .map((f) => path.extname(f))
      .filter((x, i, a) => a.indexOf(x) === i)
      .join(', ')}) to ${path.relative(root, outDir)}`,
  );
}

module.exports = { copyAssets, APP_FOLDERS };
