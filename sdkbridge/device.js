'use strict';
/**
 * One simulated device: one unmodified CometChat JS SDK instance, driven over JSON lines.
 *
 * The SDK is a process-wide singleton, so ringcheck runs one of these processes per device.
 * Protocol (one JSON object per line; stdout carries nothing else, console output goes to
 * stderr):
 *
 *   stdin   {"id": 7, "op": "acceptCall", "args": {"sessionId": "v1.eu..."}}
 *   stdout  {"id": 7, "ok": true, "result": {...}}
 *           {"id": 7, "ok": false, "error": {"kind": "refused"|"stuck"|"bridge", "code"?, "message", ...}}
 *           {"event": "ready"|"call"|"connection"|"unhandledRejection"|"uncaughtException"|"trace"|"note", ...}
 *
 * Responses and events share one ordered stream, so an event written before a response was
 * heard before that operation finished. Configuration comes as JSON in RINGCHECK_DEVICE_CONFIG
 * (see readConfig). The process initialises the SDK at start-up and then waits for "login", so
 * a pool of warm processes can be kept ready.
 */

const startedNs = process.hrtime.bigint();
const util = require('util');
const readline = require('readline');

const {
  installBrowserGlobals,
  Activity,
  makeFetch,
  makeWebSocketClass,
  TrackedSocketRegistry,
} = require('./shim');
const { createSdkClock } = require('./sdkclock');
const { loadSdk, SDK_PACKAGE } = require('./loader');
const { reactNativeStandIns } = require('./standins/react-native');

// ---- output: stdout is the protocol, everything else goes to stderr -------------------------
const writeOut = process.stdout.write.bind(process.stdout);
function emit(obj) {
  writeOut(`${JSON.stringify(obj)}\n`);
}
for (const name of ['log', 'info', 'debug', 'warn', 'error', 'trace']) {
  // eslint-disable-next-line no-console
  console[name] = (...args) => process.stderr.write(`${util.format(...args)}\n`);
}

function readConfig() {
  const raw = process.env.RINGCHECK_DEVICE_CONFIG || '{}';
  const cfg = JSON.parse(raw);
  return {
    appId: String(cfg.appId || 'ringcheck'),
    region: String(cfg.region || 'eu'),
    clientHost: cfg.clientHost || null, // "127.0.0.1:PORT/v3.0", or null for CometChat's hosts
    adminHost: cfg.adminHost || cfg.clientHost || null,
    plain: Boolean(cfg.plain), // https/wss -> http/ws for loopback hosts only
    trace: Boolean(cfg.trace), // report every HTTP exchange and WS frame as "trace" events
    stepMs: Number(cfg.stepMs) || 1000, // largest single move of the SDK clock
    idleTimeoutMs: Number(cfg.idleTimeoutMs) || 4000, // how long to wait for REST/pong quiet
    authTimeoutMs: Number(cfg.authTimeoutMs) || 5000, // WS auth reply after login
    sdkPackage: String(cfg.sdkPackage || SDK_PACKAGE), // which SDK bundle (the profile's package)
    standIns: cfg.standIns || null, // 'react-native': the RN SDK's native modules (standins/)
  };
}

const config = readConfig();
const stderrTrace = process.env.CC_TRACE === '1';

function trace(kind, data) {
  if (config.trace) emit({ event: 'trace', kind, data });
  if (stderrTrace) process.stderr.write(`[trace] ${kind} ${JSON.stringify(data)}\n`);
}

// ---- crash handling: report, never die, never hang silently ---------------------------------
const pendingOps = new Map(); // id -> { op, args, trap, fail(error) }

function describeError(reason) {
  if (reason instanceof Error) return { message: reason.message, stack: reason.stack };
  try {
    return { message: JSON.stringify(reason) };
  } catch {
    return { message: String(reason) };
  }
}

process.on('unhandledRejection', (reason) => {
  const info = describeError(reason);
  emit({ event: 'unhandledRejection', ...info });
  // An operation known to die this way (see trapOf) is failed at once instead of timing out.
  for (const [, pending] of pendingOps) {
    if (pending.trap && pending.trap.onUnhandledRejection) {
      setImmediate(() =>
        pending.fail({
          kind: 'stuck',
          message: `${pending.trap.why} (unhandled rejection: ${info.message})`,
        }),
      );
    }
  }
});
process.on('uncaughtException', (err) => {
  // A browser keeps running after an exception in an event handler; so does a device.
  emit({ event: 'uncaughtException', ...describeError(err) });
});

// ---- the SDK, with its own clock and instrumented network -----------------------------------
installBrowserGlobals({ userAgent: `ringcheck-sdkbridge (Node ${process.version})` });
const activity = new Activity();
const sdkClock = createSdkClock();

let authWaiters = [];
let lastAuth = null;
const socketLog = []; // the last few socket events, for error messages
function noteSocket(...parts) {
  socketLog.push(parts.join(' '));
  if (socketLog.length > 8) socketLog.shift();
}

const TrackedWebSocket = makeWebSocketClass({
  plain: config.plain,
  activity,
  trace,
  onAuth(body) {
    lastAuth = body;
    noteSocket('auth reply', JSON.stringify(body));
    const waiters = authWaiters;
    authWaiters = [];
    for (const w of waiters) w(body);
  },
  onSocketEvent(kind, url, detail) {
    noteSocket(kind, url, detail === undefined ? '' : String(detail));
  },
});

const STAND_INS = { 'react-native': reactNativeStandIns };
if (config.standIns !== null && !STAND_INS[config.standIns]) {
  throw new Error(`unknown standIns ${JSON.stringify(config.standIns)}; known: ${Object.keys(STAND_INS)}`);
}
const { sdk, file: sdkFile, version: sdkVersion, codeCache, saveCodeCache } = loadSdk(
  {
    ...sdkClock.timers,
    fetch: makeFetch({ plain: config.plain, activity, trace }),
    WebSocket: TrackedWebSocket,
  },
  {
    sdkPackage: config.sdkPackage,
    standIns: config.standIns === null ? {} : STAND_INS[config.standIns](),
  },
);
const { CometChat } = sdk;

// ---- helpers ----------------------------------------------------------------------------
const immediate = () => new Promise((resolve) => setImmediate(resolve));

class BridgeFailure extends Error {
  constructor(kind, message, extra = {}) {
    super(message);
    this.kind = kind;
    this.extra = extra;
  }
}

function bounded(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new BridgeFailure('bridge', `${what} (waited ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function waitIdle(what) {
  if (!activity.busy()) return;
  await bounded(
    activity.idle(),
    config.idleTimeoutMs,
    `${what}: the SDK still had ${activity.fetches} REST request(s) and ` +
      `${TrackedSocketRegistry.outstandingPings()} unanswered ping(s) in flight` +
      (TrackedSocketRegistry.connecting() ? ', and a WebSocket not yet authenticated' : '') +
      ` (socket events: ${socketLog.join('; ') || 'none'})`,
  );
}

function idOf(party) {
  if (party === null || party === undefined) return null;
  if (typeof party === 'string') return party;
  if (typeof party.getUid === 'function' && party.getUid()) return party.getUid();
  if (typeof party.getGuid === 'function' && party.getGuid()) return party.getGuid();
  return party.uid || party.guid || null;
}

function callJson(call) {
  if (call === null || call === undefined) return null;
  const get = (name) => (typeof call[name] === 'function' ? call[name]() : undefined);
  return {
    sessionId: get('getSessionId') ?? null,
    status: get('getStatus') ?? null,
    action: get('getAction') ?? null,
    type: get('getType') ?? null,
    receiverType: get('getReceiverType') ?? null,
    initiator: idOf(get('getCallInitiator')),
    receiver: idOf(get('getCallReceiver')) ?? idOf(get('getReceiverId')),
    sender: idOf(get('getSender')),
    initiatedAt: get('getInitiatedAt') ?? null,
    joinedAt: get('getJoinedAt') ?? null,
    messageId: get('getId') ?? null,
  };
}

const CALLBACKS = [
  'onIncomingCallReceived',
  'onOutgoingCallAccepted',
  'onOutgoingCallRejected',
  'onIncomingCallCancelled',
  'onCallEndedMessageReceived',
];

function waitForAuth() {
  if (lastAuth && String(lastAuth.code) === '200') return Promise.resolve(lastAuth);
  return new Promise((resolve) => authWaiters.push(resolve));
}

const RN_PACKAGE = '@cometchat/chat-sdk-react-native';
let loggedInUid = null;

/**
 * Operations whose SDK promise is known never to settle (4.2.0 and 3.0.13: shared/SDK-NOTES.md
 * (d) 9; the React Native SDK 4.0.21 differs for cancelCall, see sdkbridge/README.md).
 * The operation still goes to the SDK unchanged; the bridge only stops waiting for it.
 */
function trapOf(op, args) {
  const active = CometChat.getActiveCall();
  if (op === 'rejectCall' && args.status === 'cancelled' && config.sdkPackage === RN_PACKAGE) {
    // The React Native SDK's cancelCall has no else branch: it sends and settles only for its
    // own active call that this user started.
    const own =
      active !== null && active.getSessionId() === args.sessionId && idOf(active.getCallInitiator()) === loggedInUid;
    if (!own) {
      return {
        afterOneTurn: true,
        why:
          `never settles in SDK ${sdkVersion} unless the call is its active call and this user started it; ` +
          `nothing was sent`,
      };
    }
    return null;
  }
  if (op === 'rejectCall' && args.status === 'cancelled' && active === null) {
    return {
      onUnhandledRejection: true,
      why:
        `never settles in SDK ${sdkVersion} without an active call: its PUT was sent, then ` +
        `getActiveCall().getSessionId() threw`,
    };
  }
  // rejectCall with any other status falls through to endCall(sessionId, true) in the SDK.
  const endsCall =
    op === 'endCall' ||
    (op === 'rejectCall' && !['rejected', 'cancelled', 'busy'].includes(args.status));
  if (endsCall && active !== null && active.getSessionId() !== args.sessionId) {
    return {
      afterOneTurn: true,
      why:
        `never settles in SDK ${sdkVersion} while the active call is another session ` +
        `(${active.getSessionId()}); nothing was sent`,
    };
  }
  return null;
}

// ---- operations ------------------------------------------------------------------------
const ops = {
  async login({ uid, authKey, authToken }) {
    const user = authToken ? await CometChat.login(authToken) : await CometChat.login(uid, authKey);
    loggedInUid = user.getUid();
    // login() resolves before the socket is up; a device is only usable once the server has
    // accepted its socket, or the first call to it could be pushed before it listens.
    const auth = await bounded(
      waitForAuth(),
      config.authTimeoutMs,
      `logged in as ${user.getUid()} but the WebSocket was not authenticated ` +
        `(socket events: ${socketLog.join('; ') || 'none'})`,
    );
    if (String(auth.code) !== '200') {
      throw new BridgeFailure('bridge', `WebSocket auth refused: ${JSON.stringify(auth)}`);
    }
    return {
      uid: user.getUid(),
      name: user.getName(),
      sessionId: CometChat.getSessionId(),
      connection: CometChat.getConnectionStatus(),
    };
  },

  async logout() {
    await CometChat.logout();
    return null;
  },

  async initiateCall({ receiverId, receiverType, callType, timeout }) {
    const call = new CometChat.Call(receiverId, callType, receiverType);
    const result =
      timeout === null || timeout === undefined
        ? await CometChat.initiateCall(call)
        : await CometChat.initiateCall(call, timeout);
    return callJson(result);
  },

  async acceptCall({ sessionId }) {
    return callJson(await CometChat.acceptCall(sessionId));
  },

  async rejectCall({ sessionId, status }) {
    const promise = CometChat.rejectCall(sessionId, status);
    if (!promise || typeof promise.then !== 'function') {
      throw new BridgeFailure('bridge', `rejectCall(${sessionId}, ${status}) returned no promise`);
    }
    return callJson(await promise);
  },

  async endCall({ sessionId }) {
    return callJson(await CometChat.endCall(sessionId));
  },

  async getActiveCall() {
    return callJson(CometChat.getActiveCall());
  },

  async clearActiveCall() {
    if (typeof CometChat.clearActiveCall !== 'function') {
      throw new BridgeFailure('bridge', `SDK ${sdkVersion} has no CometChat.clearActiveCall()`);
    }
    CometChat.clearActiveCall();
    return null;
  },

  async addCallListener({ listenerId }) {
    const handlers = {};
    for (const callback of CALLBACKS) {
      handlers[callback] = (call) => emit({ event: 'call', listenerId, callback, call: callJson(call) });
    }
    CometChat.addCallListener(listenerId, new CometChat.CallListener(handlers));
    return null;
  },

  async removeCallListener({ listenerId }) {
    CometChat.removeCallListener(listenerId);
    return null;
  },

  /** Every frame the server sent before now has been dispatched to the listeners. */
  async settle() {
    const socket = TrackedSocketRegistry.current();
    if (!socket) {
      throw new BridgeFailure(
        'bridge',
        `the SDK has no open WebSocket, so events cannot arrive (connection status ` +
          `${CometChat.getConnectionStatus()}; socket events: ${socketLog.join('; ') || 'none'})`,
      );
    }
    // The server answers pings in order on this socket: when our pong has been dispatched, so
    // has every frame sent before it. Then let REST replies in flight land, and drain.
    await bounded(socket.bridgePing(), config.idleTimeoutMs, 'settle: no pong from the server');
    await waitIdle('settle');
    await immediate();
    return null;
  },

  /**
   * Move the SDK's clock by `ms`, in steps of at most stepMs. Before each step the SDK must be
   * quiet: a heartbeat ping sent during the last step has had its pong (the SDK gives a pong
   * 3 s of its clock, so a step must stay below that), and a REST request a timer started has
   * been answered and handled.
   */
  async advance({ ms }) {
    let left = Math.max(0, Number(ms) || 0);
    while (left > 0) {
      await waitIdle('advance');
      const step = Math.min(left, config.stepMs);
      await sdkClock.clock.tickAsync(step);
      left -= step;
      await immediate();
    }
    await waitIdle('advance');
    await immediate();
    return { elapsedMs: sdkClock.elapsed(), pendingTimers: sdkClock.pending() };
  },

  async status() {
    return {
      sessionId: CometChat.getSessionId(),
      connection: CometChat.getConnectionStatus(),
      activeCall: callJson(CometChat.getActiveCall()),
      elapsedMs: sdkClock.elapsed(),
      pendingTimers: sdkClock.pending(),
      restInFlight: activity.fetches,
      pingsInFlight: TrackedSocketRegistry.outstandingPings(),
      socketLog,
    };
  },

  async exit() {
    setImmediate(() => process.exit(0));
    return null;
  },
};

const SDK_CALL_OPS = new Set(['initiateCall', 'acceptCall', 'rejectCall', 'endCall', 'login', 'logout']);

function describeArgs(args) {
  return Object.values(args)
    .filter((v) => v !== null && v !== undefined)
    .map(String)
    .join(', ');
}

function errorJson(err) {
  if (err instanceof BridgeFailure) return { kind: err.kind, message: err.message, ...err.extra };
  if (err && typeof err === 'object' && typeof err.code === 'string' && err.code) {
    // CometChatException (not an Error subclass): {code, name, message, details}
    return {
      kind: 'refused',
      code: err.code,
      message: err.message ? String(err.message) : '',
      details: err.details ?? null,
    };
  }
  return { kind: 'bridge', ...describeError(err) };
}

function handle(line) {
  let request;
  try {
    request = JSON.parse(line);
  } catch (err) {
    emit({ event: 'note', message: `bridge: unreadable request line: ${line.slice(0, 200)}` });
    return;
  }
  const { id, op, args = {} } = request;
  const fn = ops[op];
  let finished = false;
  const finish = (payload) => {
    if (finished) return;
    finished = true;
    pendingOps.delete(id);
    emit({ id, ...payload });
  };
  if (!fn) {
    finish({ ok: false, error: { kind: 'bridge', message: `unknown op ${op}` } });
    return;
  }
  let trap = null;
  try {
    trap = trapOf(op, args);
  } catch {
    trap = null;
  }
  pendingOps.set(id, { op, args, trap, fail: (error) => finish({ ok: false, error }) });
  const restErrorsBefore = activity.restErrorCount || 0;
  let promise;
  try {
    promise = Promise.resolve(fn(args));
  } catch (err) {
    promise = Promise.reject(err);
  }
  promise.then(
    (result) => {
      const refusedMeanwhile = (activity.restErrorCount || 0) - restErrorsBefore;
      let hidden;
      if (refusedMeanwhile > 0 && SDK_CALL_OPS.has(op)) {
        // e.g. endCall: on a refused PUT the SDK 4.2.0 resolves with its local Call marked ended.
        hidden = activity.restErrors.slice(-refusedMeanwhile).map((e) => ({
          request: `${e.method} ${new URL(e.url).pathname}`,
          code: e.code,
          message: e.message,
        }));
        const list = hidden.map((e) => `${e.request} -> ${e.code}`).join(', ');
        emit({
          event: 'note',
          message: `${op}(${describeArgs(args)}) resolved although the server refused: ${list}`,
        });
      }
      finish({ ok: true, result: result === undefined ? null : result, hiddenRefusals: hidden });
    },
    (err) => finish({ ok: false, error: errorJson(err) }),
  );
  if (trap && trap.afterOneTurn) {
    // The SDK decided synchronously inside its Promise executor; one turn later it is final.
    setImmediate(() => finish({ ok: false, error: { kind: 'stuck', message: trap.why } }));
  }
}

// ---- start-up ---------------------------------------------------------------------------
const builder = new CometChat.AppSettingsBuilder()
  .setRegion(config.region)
  .autoEstablishSocketConnection(true);
if (config.clientHost) builder.overrideClientHost(config.clientHost);
if (config.adminHost) builder.overrideAdminHost(config.adminHost);

CometChat.addConnectionListener(
  '__ringcheck_bridge__',
  new CometChat.ConnectionListener({
    onConnected: () => emit({ event: 'connection', state: 'connected' }),
    inConnecting: () => emit({ event: 'connection', state: 'connecting' }),
    onDisconnected: () => emit({ event: 'connection', state: 'disconnected' }),
  }),
);

/**
 * Node loads and compiles its fetch implementation (undici) on first use, ~50 ms. Pay that
 * while this process waits in the warm pool, with one request to a throwaway server on
 * loopback inside this process, instead of during login. The SDK's own requests are untouched.
 */
function warmUpFetch() {
  const http = require('http');
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"data":{}}');
    });
    server.listen(0, '127.0.0.1', async () => {
      try {
        const { port } = server.address();
        const res = await globalThis.fetch(`http://127.0.0.1:${port}/`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: '{}',
        });
        await res.json();
      } catch {
        // Only speed is lost.
      }
      server.close();
      server.closeAllConnections();
      resolve();
    });
    server.on('error', () => resolve());
  });
}

Promise.all([CometChat.init(config.appId, builder.build()), warmUpFetch()]).then(
  () => {
    emit({
      event: 'ready',
      pid: process.pid,
      node: process.version,
      sdkPackage: config.sdkPackage,
      sdkVersion,
      sdkFile,
      codeCache,
      startupMs: Number(process.hrtime.bigint() - startedNs) / 1e6,
    });
    saveCodeCache();
    const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    rl.on('line', (line) => {
      if (line.trim()) handle(line);
    });
    // Python went away: nothing can read our answers any more.
    rl.on('close', () => process.exit(0));
  },
  (err) => {
    emit({ event: 'fatal', message: `CometChat.init failed: ${errorJson(err).message}` });
    process.exit(2);
  },
);
