'use strict';
/**
 * Browser globals the CometChat JS SDK needs before it can run in Node 20.
 *
 * The SDK is a browser bundle: it touches `window`, `navigator`, `document`, `localStorage`,
 * `sessionStorage`, `fetch` and `WebSocket` (see shared/SDK-NOTES.md, "Node compatibility", for
 * what breaks without each one). This module installs the smallest stand-ins that keep every
 * ringing code path of 4.2.0 alive, and builds the `fetch` and `WebSocket` the SDK is handed.
 *
 * The network stand-ins also do two jobs for the bridge:
 * - `plain` mode rewrites https/wss to http/ws, but only for loopback hosts, so a plain-HTTP mock
 *   server can be used without certificates while a real CometChat host is never downgraded;
 * - they count work in flight (REST requests, heartbeat pings) so the bridge knows when the SDK
 *   is idle, and they let the bridge put its own ping on the SDK's socket (settle()).
 */

const { WebSocket: WsWebSocket } = require('ws');

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

/** A Web Storage (localStorage/sessionStorage) kept in memory: every device starts logged out. */
class MemoryStorage {
  constructor() {
    this._items = new Map();
  }
  get length() {
    return this._items.size;
  }
  key(index) {
    return Array.from(this._items.keys())[index] ?? null;
  }
  getItem(key) {
    const value = this._items.get(String(key));
    return value === undefined ? null : value;
  }
  setItem(key, value) {
    this._items.set(String(key), String(value));
  }
  removeItem(key) {
    this._items.delete(String(key));
  }
  clear() {
    this._items.clear();
  }
}

/** An event target good enough for `window.addEventListener('storage' | 'message' | ...)`. */
function eventTargetMethods(target) {
  const listeners = new Map();
  target.addEventListener = (type, fn) => {
    if (!listeners.has(type)) listeners.set(type, new Set());
    listeners.get(type).add(fn);
  };
  target.removeEventListener = (type, fn) => {
    const set = listeners.get(type);
    if (set) set.delete(fn);
  };
  target.dispatchEvent = (event) => {
    for (const fn of listeners.get(event && event.type) || []) fn.call(target, event);
    return true;
  };
}

/** A `document` whose queries find nothing: the SDK only sniffs frameworks and removes iframes. */
function makeDocument() {
  const element = () => ({
    style: {},
    setAttribute() {},
    appendChild() {},
    removeChild() {},
    addEventListener() {},
    removeEventListener() {},
  });
  const doc = {
    querySelector: () => null,
    querySelectorAll: () => [],
    getElementsByName: () => [],
    getElementById: () => null,
    getElementsByTagName: () => [],
    createElement: element,
    createTextNode: () => ({ data: '' }),
    hasFocus: () => true,
    documentElement: element(),
    body: element(),
    head: element(),
    readyState: 'complete',
    visibilityState: 'visible',
    hidden: false,
  };
  eventTargetMethods(doc);
  return doc;
}

/**
 * Install window, navigator, document and the two storages on `globalThis`.
 *
 * `window` is `globalThis` itself, as in a browser: the UMD wrapper reads `window` at load time
 * and the SDK reads `window.sessionStorage`, `window.location`, `window.navigator` and so on.
 */
function installBrowserGlobals({ userAgent }) {
  const g = globalThis;
  g.window = g;
  g.self = g;
  eventTargetMethods(g);
  g.location = {
    href: 'http://localhost/',
    origin: 'http://localhost',
    protocol: 'http:',
    host: 'localhost',
    hostname: 'localhost',
    port: '',
    pathname: '/',
    search: '',
    hash: '',
  };
  // Node 20 has no navigator; Node >= 21 has a read-only one, so define rather than assign.
  Object.defineProperty(g, 'navigator', {
    configurable: true,
    writable: true,
    value: {
      userAgent,
      language: 'en-US',
      languages: ['en-US'],
      platform: 'Linux x86_64',
      onLine: true,
      connection: undefined,
    },
  });
  g.document = makeDocument();
  g.screen = { width: 1280, height: 800 };
  g.matchMedia = () => ({
    matches: false,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
  });
  // localforage probes for these when the bundle is loaded, so they must exist before require.
  g.localStorage = new MemoryStorage();
  g.sessionStorage = new MemoryStorage();
}

/** Rewrite https->http and wss->ws for loopback hosts only (plain-HTTP mock servers). */
function downgradeLoopback(url) {
  const parsed = new URL(url);
  if (!LOOPBACK_HOSTS.has(parsed.hostname)) return url;
  if (parsed.protocol === 'https:') parsed.protocol = 'http:';
  else if (parsed.protocol === 'wss:') parsed.protocol = 'ws:';
  return parsed.toString();
}

/**
 * Counts what the SDK has in flight on the network, so the bridge can wait for quiet.
 *
 * `idle()` resolves when no REST request is pending (including the SDK's handling of its
 * answer), no heartbeat ping is waiting for its pong, and no socket is still connecting or
 * waiting for its auth reply.
 */
class Activity {
  constructor() {
    this.fetches = 0;
    this.waiters = [];
    // Every REST answer that carried {"error": ...}, so the bridge can tell when the SDK
    // resolved an operation although the server refused its request.
    this.restErrors = [];
  }
  fetchStarted() {
    this.fetches += 1;
  }
  fetchDone() {
    this.fetches -= 1;
    this.poke();
  }
  poke() {
    if (!this.busy()) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const resolve of waiters) resolve();
    }
  }
  busy() {
    return this.fetches > 0 || TrackedSocketRegistry.outstandingPings() > 0 || TrackedSocketRegistry.connecting();
  }
  idle() {
    if (!this.busy()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * The `fetch` the SDK gets: drops `referrer:"no-referrer"` (Node's undici rejects it), applies
 * the loopback downgrade, reads the body before handing the response over (so "request done"
 * means the SDK can parse it without more I/O), and reports each exchange to `trace`.
 */
function makeFetch({ plain, activity, trace }) {
  const realFetch = globalThis.fetch;
  return async function sdkFetch(input, init = {}) {
    const url = plain ? downgradeLoopback(String(input)) : String(input);
    const { referrer, referrerPolicy, mode, cache, ...rest } = init;
    void referrer;
    void referrerPolicy;
    void mode;
    void cache;
    const method = String(rest.method || 'GET').toUpperCase();
    // The request counts as in flight until the SDK has parsed the body and run the handlers
    // chained on it. Those handlers are microtasks, so one setImmediate after json() is called
    // runs after all of them.
    activity.fetchStarted();
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        setImmediate(() => activity.fetchDone());
      }
    };
    const started = Date.now();
    let response;
    let text;
    try {
      response = await realFetch(url, rest);
      text = await response.text();
    } catch (err) {
      trace('http', { method, url, error: String((err && err.cause && err.cause.message) || (err && err.message)) });
      finish();
      throw err;
    }
    trace('http', {
      method,
      url,
      status: response.status,
      request: typeof rest.body === 'string' ? rest.body : undefined,
      response: text,
      ms: Date.now() - started,
    });
    const parsed = safeParse(text);
    if (parsed && typeof parsed === 'object' && parsed.error && !('data' in parsed)) {
      activity.restErrors.push({ method, url, code: parsed.error.code, message: parsed.error.message });
      if (activity.restErrors.length > 50) activity.restErrors.shift();
      activity.restErrorCount = (activity.restErrorCount || 0) + 1;
    }
    const nullBody = [101, 204, 205, 304].includes(response.status);
    const result = new Response(nullBody ? null : text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    result.json = () => {
      finish();
      return Promise.resolve().then(() => JSON.parse(text));
    };
    result.text = () => {
      finish();
      return Promise.resolve(text);
    };
    // Should the SDK never read the body, stop counting the request anyway.
    setTimeout(finish, 200);
    return result;
  };
}

/** Every socket the SDK opened, newest last; pings/pongs are counted across all of them. */
const TrackedSocketRegistry = {
  sockets: [],
  current() {
    for (let i = this.sockets.length - 1; i >= 0; i -= 1) {
      const s = this.sockets[i];
      if (s.readyState === WsWebSocket.OPEN) return s;
    }
    return null;
  },
  /** A socket is opening, or open and its auth frame not yet answered (the SDK sends it a few
   * microtasks after 'open'); events sent to this device could not reach it yet. */
  connecting() {
    return this.sockets.some(
      (s) => s.readyState === WsWebSocket.CONNECTING || (s.readyState === WsWebSocket.OPEN && !s._authAnswered),
    );
  },
  outstandingPings() {
    let n = 0;
    for (const s of this.sockets) {
      if (s.readyState === WsWebSocket.OPEN) n += s._pings.length;
    }
    return n;
  },
};

function isPing(text) {
  return typeof text === 'string' && text.includes('"ping"') && safeParse(text)?.action === 'ping';
}

function safeParse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The `WebSocket` class the SDK gets: `ws` plus bookkeeping.
 *
 * - counts heartbeat pings sent and pongs received (the server answers pings in order on the same
 *   socket, so "pong n arrived" implies every earlier frame arrived and was dispatched);
 * - `bridgePing()` sends the bridge's own ping and resolves when its pong is seen;
 * - reports frames to `trace`, and the auth reply to `onAuth`.
 */
function makeWebSocketClass({ plain, activity, trace, onAuth, onSocketEvent }) {
  return class TrackedWebSocket extends WsWebSocket {
    constructor(url, protocols, options) {
      const target = plain ? downgradeLoopback(String(url)) : String(url);
      super(target, protocols, options);
      // One entry per ping sent, oldest first: null for the SDK's own, a callback for the bridge's.
      this._pings = [];
      TrackedSocketRegistry.sockets.push(this);
      trace('ws', { event: 'connect', url: target });
      // Registered before the SDK sets onmessage, so this runs first for each frame; frames are
      // delivered in arrival order, so a pong still comes after every frame sent before it.
      this.on('message', (data, isBinary) => {
        const text = isBinary ? null : data.toString();
        trace('ws', { dir: 'in', frame: text });
        const msg = text === null ? undefined : safeParse(text);
        if (msg && msg.action === 'pong') {
          const waiter = this._pings.shift();
          // The SDK's own message handlers for this frame run after ours; resolve afterwards.
          if (waiter) setImmediate(waiter);
          activity.poke();
        } else if (msg && msg.type === 'auth') {
          this._authAnswered = true;
          onAuth(msg.body || {});
          activity.poke();
        }
      });
      this._authAnswered = false;
      this.on('open', () => onSocketEvent('open', target));
      this.on('close', (code, reason) => {
        trace('ws', { event: 'close', code, reason: reason && reason.toString() });
        for (const waiter of this._pings.splice(0)) if (waiter) waiter(new Error('socket closed'));
        const index = TrackedSocketRegistry.sockets.indexOf(this);
        if (index >= 0) TrackedSocketRegistry.sockets.splice(index, 1);
        onSocketEvent('close', target, code);
        activity.poke();
      });
      this.on('error', (err) => {
        trace('ws', { event: 'error', error: String(err && err.message) });
        onSocketEvent('error', target, String(err && err.message));
      });
    }

    send(data, ...rest) {
      const text = typeof data === 'string' ? data : null;
      trace('ws', { dir: 'out', frame: text });
      if (isPing(text)) this._pings.push(this._nextPingWaiter || null);
      this._nextPingWaiter = null;
      return super.send(data, ...rest);
    }

    /** Put a heartbeat ping on this socket; resolves once its pong has been dispatched. */
    bridgePing() {
      return new Promise((resolve, reject) => {
        // Queued and traced by send() exactly like one of the SDK's own pings.
        this._nextPingWaiter = (err) => (err ? reject(err) : resolve());
        this.send(JSON.stringify({ action: 'ping', ack: 'true' }));
      });
    }
  };
}

module.exports = {
  MemoryStorage,
  installBrowserGlobals,
  downgradeLoopback,
  Activity,
  makeFetch,
  makeWebSocketClass,
  TrackedSocketRegistry,
};
