'use strict';
/**
 * The clock the SDK sees, separate from the clock Node's own networking runs on.
 *
 * The SDK's timers that matter to ringing (the caller's no-answer timeout, default 45 s; the
 * 15 s heartbeat and its 3 s pong timeout; the 5 s reconnect loop; the 5 s telemetry post) all
 * come from the bare identifiers `setTimeout`/`setInterval`/`Date` inside the bundle. loader.js
 * compiles the bundle as a function whose parameters carry those names, so handing it the
 * functions below fakes time for the SDK alone: `ws`, undici and the bridge keep real timers.
 *
 * Timers shorter than REAL_BELOW_MS are run on real time. In 4.2.0 they are only yields (a 10 ms
 * wait while probing storage, promise polyfills); holding them on a clock that only moves when
 * the suite says so would make init or login hang rather than test anything.
 */

const FakeTimers = require('@sinonjs/fake-timers');

const REAL_BELOW_MS = 1000;

function createSdkClock({ startMs = Date.now() } = {}) {
  const clock = FakeTimers.createClock(startMs, Infinity);
  const realHandles = new Set();

  function schedule(kind, fn, ms, args) {
    const delay = Number(ms) || 0;
    if (delay < REAL_BELOW_MS) {
      const real = kind === 'timeout' ? globalThis.setTimeout : globalThis.setInterval;
      const handle = real(() => {
        if (kind === 'timeout') realHandles.delete(handle);
        fn(...args);
      }, delay);
      realHandles.add(handle);
      return handle;
    }
    return kind === 'timeout'
      ? clock.setTimeout(fn, delay, ...args)
      : clock.setInterval(fn, delay, ...args);
  }

  function cancel(handle) {
    if (handle === undefined || handle === null) return;
    if (realHandles.has(handle)) {
      realHandles.delete(handle);
      globalThis.clearTimeout(handle);
      return;
    }
    clock.clearTimeout(handle);
  }

  return {
    clock,
    timers: {
      setTimeout: (fn, ms, ...args) => schedule('timeout', fn, ms, args),
      setInterval: (fn, ms, ...args) => schedule('interval', fn, ms, args),
      clearTimeout: cancel,
      clearInterval: cancel,
      Date: clock.Date,
    },
    /** Milliseconds of SDK time since the clock was made. */
    elapsed: () => clock.now - startMs,
    /** Pending SDK timers (fake ones only), for diagnostics. */
    pending: () => clock.countTimers(),
  };
}

module.exports = { createSdkClock, REAL_BELOW_MS };
