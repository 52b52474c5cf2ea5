/**
 * The console's one connection to the broker: the browser SDK over WebSocket to the page's own
 * origin (the broker serves this page on the same port; no HTTP API in between). Every call
 * goes through `call()`, which records the outcome so the status bar can say plainly when the
 * broker is unreachable or a request failed. Calls are bounded: CALL_TIMEOUT_MS, and the SDK's
 * retries are kept short so a dead broker shows within seconds rather than after minutes.
 */
import { Strata } from 'strata';

/** Longest a console request may take before the status bar reports it failed. */
export const CALL_TIMEOUT_MS = 8000;

export function brokerUrlOfPage(location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}`;
}

const listeners = new Set();
let status = { state: 'connecting', message: '', at: Date.now() };

function setStatus(next) {
  status = { ...next, at: Date.now() };
  for (const l of listeners) l(status);
}

/** Subscribes to { state: 'connecting' | 'ok' | 'error', message }; returns the unsubscribe. */
export function onStatus(listener) {
  listeners.add(listener);
  listener(status);
  return () => listeners.delete(listener);
}

export const client = new Strata({
  brokers: brokerUrlOfPage(window.location),
  clientId: 'strata-console',
  connectTimeoutMs: 5000,
  requestTimeoutMs: CALL_TIMEOUT_MS,
  retry: { retries: 2, initialRetryTimeMs: 200, maxRetryTimeMs: 1000 },
});

function describeError(err) {
  const name = err?.name ?? 'Error';
  const msg = err?.message ?? String(err);
  if (name === 'ConnectionClosedError' || name === 'RequestTimedOutError' || /WebSocket|connect/i.test(msg)) {
    return `Broker unreachable at ${brokerUrlOfPage(window.location)}: ${msg}`;
  }
  return `${name}: ${msg}`;
}

/**
 * Runs `fn(client)`; on success marks the broker reachable, on failure records a one-line
 * reason in the status bar and rethrows (with that reason as `consoleMessage`).
 */
export async function call(what, fn) {
  let timer;
  try {
    const result = await Promise.race([
      fn(client),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} took longer than ${CALL_TIMEOUT_MS} ms`)), CALL_TIMEOUT_MS); }),
    ]);
    if (status.state !== 'ok') setStatus({ state: 'ok', message: '' });
    return result;
  } catch (err) {
    const message = `${what} failed — ${describeError(err)}`;
    setStatus({ state: 'error', message });
    err.consoleMessage = message;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
