/**
 * Loads a deploy package's entry point the way the Azure Functions Node worker does, outside Azure
 * (tools/package.ts verifyPackage, run with `node --require tools/host-probe.cjs`):
 *
 * - `@azure/functions-core` is not an npm package: the worker injects it, and @azure/functions
 *   registers every function through it. Here it records the function metadata instead, so the
 *   probe sees exactly what the host would be told (names, triggers, routes, queues).
 * - Every module the entry loads must resolve inside the package (PROBE_PACKAGE_DIR): Node would
 *   otherwise quietly find a missing dependency in a node_modules folder above the package (the
 *   checkout's), which does not exist in Azure.
 *
 * It prints one line `PROBE_RESULT <json>` and exits. Plain CommonJS: it runs before any loader.
 */
'use strict';
const Module = require('node:module');
const path = require('node:path');

// real path: Node reports resolved modules by their real path
const packageDir = require('node:fs').realpathSync(path.resolve(process.env.PROBE_PACKAGE_DIR || process.cwd()));
const functions = [];
const outside = [];

class Disposable {
  constructor(callback) {
    this.callback = callback;
  }
  dispose() {
    if (this.callback) this.callback();
  }
}

const coreApi = {
  version: 'host-probe',
  hostVersion: '4.0.0',
  Disposable,
  setProgrammingModel() {},
  getProgrammingModel() {
    return undefined;
  },
  registerFunction(metadata) {
    functions.push(metadata);
    return new Disposable();
  },
  registerHook() {
    return new Disposable();
  },
  log() {},
};

const originalLoad = Module._load;
Module._load = function load(request, parent, isMain) {
  if (request === '@azure/functions-core') return coreApi;
  return originalLoad.call(this, request, parent, isMain);
};

const originalResolve = Module._resolveFilename;
Module._resolveFilename = function resolveFilename(request, parent, ...rest) {
  const resolved = originalResolve.call(this, request, parent, ...rest);
  if (path.isAbsolute(resolved) && !resolved.startsWith(packageDir + path.sep)) {
    const from = parent && parent.filename ? path.relative(packageDir, parent.filename) : '?';
    outside.push({ request, from, resolved });
    // what Node would throw in Azure, where nothing lies above the package: code that probes for
    // an optional module in a try/catch (debug → supports-color) carries on as it would there
    const error = new Error(`host-probe: '${request}' (from ${from}) resolves outside the package: ${resolved}`);
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolved;
};

let error = null;
try {
  const pkg = require(path.join(packageDir, 'package.json'));
  require(path.resolve(packageDir, pkg.main));
} catch (e) {
  error = e && e.stack ? e.stack : String(e);
}
process.stdout.write(`PROBE_RESULT ${JSON.stringify({ functions, outside, error })}\n`);
process.exit(0);
