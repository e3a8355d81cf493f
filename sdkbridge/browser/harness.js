'use strict';
/**
 * One ringcheck device in a browser page: the unmodified CometChat JS SDK (loaded after this
 * file from sdk/CometChat.js), driven by ringcheck through Playwright.
 *
 * The page is what a web app is: the SDK uses the browser's own fetch (CORS, preflights) and
 * WebSocket against the mock server on another origin. This file only wraps the two so the
 * driver knows when the SDK is quiet (the same bookkeeping as ../shim.js does in Node):
 * - fetch: counts requests in flight; requests and answers pass unchanged;
 * - WebSocket: remembers the SDK's socket, counts heartbeat pings and their pongs, notes the
 *   auth reply, and lets settle() put one more ping on that socket. The server answers pings in
 *   order, so when that pong arrives every frame sent before it has been dispatched.
 *
 * The driver calls window.ringcheck.<op>(args); each op resolves to {ok, result} or
 * {ok: false, error: {kind, code?, message}}. Listener callbacks go to the exposed function
 * window.ringcheckEvent with a sequence number; settle() returns the last number used, so the
 * driver can wait until it has received every event up to it.
 */
(function () {
  const state = { fetches: 0, idleWaiters: [], auth: null, authWaiters: [], seq: 0, sockets: [] };

  function poke() {
    if (busy()) return;
    const waiters = state.idleWaiters;
    state.idleWaiters = [];
    for (const w of waiters) w();
  }
  function busy() {
    return state.fetches > 0 || state.sockets.some((s) => s.readyState === 1 && s._pings.length > 0);
  }
  function idle() {
    return busy() ? new Promise((resolve) => state.idleWaiters.push(resolve)) : Promise.resolve();
  }

  const realFetch = window.fetch.bind(window);
  window.fetch = async function countedFetch(input, init) {
    state.fetches += 1;
    try {
      const response = await realFetch(input, init);
      const text = await response.text();
      const nullBody = [101, 204, 205, 304].includes(response.status); // a Response refuses a body there
      return new Response(nullBody ? null : text, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    } finally {
      // The SDK's handlers for the body run as microtasks; a macrotask later they are done.
      setTimeout(() => {
        state.fetches -= 1;
        poke();
      }, 0);
    }
  };

  const RealWebSocket = window.WebSocket;
  class TrackedWebSocket extends RealWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      this._pings = []; // one per ping sent, oldest first: null for the SDK's, a callback for ours
      this._next = null;
      state.sockets.push(this);
      // Registered before the SDK sets onmessage, so this runs first for every frame.
      this.addEventListener('message', (event) => {
        let msg;
        try {
          msg = JSON.parse(event.data);
        } catch {
          return;
        }
        if (msg && msg.action === 'pong') {
          const waiter = this._pings.shift();
          if (waiter) setTimeout(waiter, 0); // after the SDK's own handler for this frame
          poke();
        } else if (msg && msg.type === 'auth') {
          state.auth = msg.body || {};
          const waiters = state.authWaiters;
          state.authWaiters = [];
          for (const w of waiters) w(state.auth);
        }
      });
      this.addEventListener('close', () => {
        for (const waiter of this._pings.splice(0)) if (waiter) waiter(new Error('socket closed'));
        state.sockets = state.sockets.filter((s) => s !== this);
        poke();
      });
    }
    send(data) {
      if (typeof data === 'string' && data.includes('"ping"')) {
        try {
          if (JSON.parse(data).action === 'ping') this._pings.push(this._next);
        } catch {
          // not JSON: not a ping
        }
      }
      this._next = null;
      return super.send(data);
    }
    bridgePing() {
      return new Promise((resolve, reject) => {
        this._next = (err) => (err ? reject(err) : resolve());
        this.send(JSON.stringify({ action: 'ping', ack: 'true' }));
      });
    }
  }
  window.WebSocket = TrackedWebSocket;

  function within(promise, ms, what) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} (waited ${ms} ms)`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  function idOf(party) {
    if (!party) return null;
    if (typeof party === 'string') return party;
    if (typeof party.getUid === 'function' && party.getUid()) return party.getUid();
    if (typeof party.getGuid === 'function' && party.getGuid()) return party.getGuid();
    return party.uid || party.guid || null;
  }

  /** The same JSON view of a Call as ../device.js callJson. */
  function callJson(call) {
    if (!call) return null;
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
    };
  }

  const CALLBACKS = [
    'onIncomingCallReceived',
    'onOutgoingCallAccepted',
    'onOutgoingCallRejected',
    'onIncomingCallCancelled',
    'onCallEndedMessageReceived',
  ];

  const ops = {
    async init({ appId, host }) {
      const { CometChat } = window;
      const settings = new CometChat.AppSettingsBuilder()
        .setRegion('eu')
        .autoEstablishSocketConnection(true)
        .overrideClientHost(host)
        .overrideAdminHost(host)
        .build();
      await CometChat.init(appId, settings);
      return { version: CometChat.getVersion ? CometChat.getVersion() : null, origin: window.location.origin };
    },
    async login({ uid, authKey, timeoutMs }) {
      const user = await window.CometChat.login(uid, authKey);
      const auth =
        state.auth ||
        (await within(new Promise((resolve) => state.authWaiters.push(resolve)), timeoutMs, 'no WebSocket auth reply'));
      if (String(auth.code) !== '200') throw new Error(`WebSocket auth refused: ${JSON.stringify(auth)}`);
      return { uid: user.getUid(), sessionId: window.CometChat.getSessionId() };
    },
    async logout() {
      await window.CometChat.logout();
      return null;
    },
    async initiateCall({ receiverId, receiverType, callType, timeout }) {
      const call = new window.CometChat.Call(receiverId, callType, receiverType);
      const result =
        timeout === null || timeout === undefined
          ? await window.CometChat.initiateCall(call)
          : await window.CometChat.initiateCall(call, timeout);
      return callJson(result);
    },
    async acceptCall({ sessionId }) {
      return callJson(await window.CometChat.acceptCall(sessionId));
    },
    async rejectCall({ sessionId, status }) {
      return callJson(await window.CometChat.rejectCall(sessionId, status));
    },
    async endCall({ sessionId }) {
      return callJson(await window.CometChat.endCall(sessionId));
    },
    async getActiveCall() {
      return callJson(window.CometChat.getActiveCall());
    },
    async clearActiveCall() {
      window.CometChat.clearActiveCall();
      return null;
    },
    async addCallListener({ listenerId }) {
      const handlers = {};
      for (const callback of CALLBACKS) {
        handlers[callback] = (call) => {
          state.seq += 1;
          window.ringcheckEvent({ seq: state.seq, listenerId, callback, call: callJson(call) });
        };
      }
      window.CometChat.addCallListener(listenerId, new window.CometChat.CallListener(handlers));
      return null;
    },
    async removeCallListener({ listenerId }) {
      window.CometChat.removeCallListener(listenerId);
      return null;
    },
    async settle({ timeoutMs }) {
      const socket = state.sockets.filter((s) => s.readyState === 1).pop();
      if (!socket) throw new Error('the SDK has no open WebSocket, so events cannot arrive');
      await within(socket.bridgePing(), timeoutMs, 'settle: no pong from the server');
      await within(idle(), timeoutMs, 'settle: REST requests still in flight');
      await new Promise((resolve) => setTimeout(resolve, 0));
      return state.seq;
    },
  };

  window.ringcheck = {};
  for (const [name, op] of Object.entries(ops)) {
    window.ringcheck[name] = async (args) => {
      try {
        const result = await op(args || {});
        return { ok: true, result: result === undefined ? null : result };
      } catch (err) {
        if (err && typeof err === 'object' && typeof err.code === 'string' && err.code) {
          return { ok: false, error: { kind: 'refused', code: err.code, message: String(err.message || '') } };
        }
        return { ok: false, error: { kind: 'page', message: String((err && err.message) || err) } };
      }
    };
  }
})();
