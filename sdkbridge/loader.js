'use strict';
/**
 * Loads the unmodified CometChat bundle with the SDK's own view of time and network.
 *
 * The bundle's source is read from node_modules and wrapped, exactly as Node wraps any CommonJS
 * module, in a function; ours has extra parameters named `setTimeout`, `setInterval`,
 * `clearTimeout`, `clearInterval`, `Date`, `fetch` and `WebSocket`. Inside the bundle those
 * names then resolve to what the bridge passes in, while every other module in the process
 * (ws, undici, the bridge) sees the real globals. No byte of the SDK is changed.
 *
 * Which bundle: `sdkPackage` names the npm package (one per SDK profile, all pinned in
 * package.json); `standIns` maps module names the bundle requires to objects handed to it
 * instead (the React Native SDK's native modules, see standins/). Every other `require` of the
 * bundle resolves from the bundle's own folder, as Node's loader would.
 *
 * Start-up cost matters (a suite opens ~200 devices): after the first run, V8's code cache for
 * the bundle is kept in node_modules/.cache/, which cuts compile + first run from ~60 ms to
 * ~20 ms. V8 checks the cache against the source and its own version and ignores a stale one.
 */

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const { createRequire } = require('module');

const SDK_PACKAGE = '@cometchat/chat-sdk-javascript';

const INJECTED = [
  'setTimeout',
  'setInterval',
  'clearTimeout',
  'clearInterval',
  'Date',
  'fetch',
  'WebSocket',
];

function cachePath(source) {
  const digest = crypto.createHash('sha256').update(source).update(process.version).digest('hex');
  return path.join(__dirname, 'node_modules', '.cache', 'ringcheck-sdkbridge', `${digest.slice(0, 16)}.v8cache`);
}

function readCache(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The bundle's `require`: stand-ins first, then Node's resolution from the bundle's folder. */
function requireFor(file, standIns) {
  const real = createRequire(file);
  return function bundleRequire(name) {
    if (Object.prototype.hasOwnProperty.call(standIns, name)) return standIns[name];
    return real(name);
  };
}

function loadSdk(injected, { useCodeCache = true, sdkPackage = SDK_PACKAGE, standIns = {} } = {}) {
  const file = require.resolve(sdkPackage);
  const version = require(`${sdkPackage}/package.json`).version;
  const source = fs.readFileSync(file, 'utf8');
  const params = ['exports', 'module', 'require', ...INJECTED];
  const cacheFile = cachePath(source);
  const cachedData = useCodeCache ? readCache(cacheFile) : undefined;
  const script = new vm.Script(`(function (${params.join(', ')}) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  const wrapper = script.runInThisContext();
  const module = { exports: {} };
  wrapper.call(
    module.exports,
    module.exports,
    module,
    requireFor(file, standIns),
    ...INJECTED.map((name) => {
      if (!(name in injected)) throw new Error(`loadSdk: missing ${name}`);
      return injected[name];
    }),
  );
  const cacheUsable = cachedData !== undefined && !script.cachedDataRejected;
  /** Call once the SDK has run its start-up paths, so their compiled code is cached too. */
  function saveCodeCache() {
    if (!useCodeCache || cacheUsable) return;
    try {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // A read-only checkout only loses speed.
    }
  }
  return { sdk: module.exports, file, package: sdkPackage, version, codeCache: cacheUsable, saveCodeCache };
}

module.exports = { loadSdk, SDK_PACKAGE };
