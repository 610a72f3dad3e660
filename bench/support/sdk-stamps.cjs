// Preloaded into the Node driver by `npm run bench timing-precision -- --split` (node --require): stamps,
// inside the SDK's process, when a backoff-sized timer is scheduled and fires and when a socket connects,
// on the clock the bench shares (performance.timeOrigin + performance.now(), in ms), one JSON line each to
// the file named by TIMING_SPLIT_FILE. Not part of the harness: a measurement aid for the benchmark only.
const { appendFileSync } = require('node:fs');
const net = require('node:net');
const { performance } = require('node:perf_hooks');

const file = process.env.TIMING_SPLIT_FILE;
if (file) {
  const now = () => performance.timeOrigin + performance.now();
  const stamp = (kind, extra) => appendFileSync(file, `${JSON.stringify({ kind, at: now(), ...extra })}\n`);
  const setTimeoutBefore = globalThis.setTimeout;
  globalThis.setTimeout = function (callback, delay, ...args) {
    if (typeof callback !== 'function' || !(delay >= 5 && delay <= 1000)) return setTimeoutBefore.call(this, callback, delay, ...args);
    stamp('scheduled', { delay });
    return setTimeoutBefore.call(
      this,
      function (...a) {
        stamp('fired', { delay });
        return callback.apply(this, a);
      },
      delay,
      ...args,
    );
  };
  const connectBefore = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    stamp('connect');
    return connectBefore.apply(this, args);
  };
}
