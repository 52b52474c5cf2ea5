/**
 * The console's one connection to the broker: the browser SDK over WebSocket to the page's own
 * origin (the broker serves this page on the same port; no HTTP API in between). Every call
 * goes through `call()`, which records the outcome so the status bar can say plainly when the
 * broker is unreachable or a request failed. Calls are bounded: CALL_TIMEOUT_MS, and the SDK's
 * retries are kept short so a dead broker shows within seconds rather than after minutes.
 *
 * A broker run with --auth scram answers the first call with IllegalSaslStateError: the status
 * turns 'login' and the shell shows the login form; logIn() replaces the client with one that
 * logs in (SCRAM-SHA-256/512 through the SDK, on WebCrypto).
 */
import { ErrorCode, Strata } from 'strata';

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

function newClient(sasl) {
  return new Strata({
    brokers: brokerUrlOfPage(window.location),
    clientId: 'strata-console',
    connectTimeoutMs: 5000,
    requestTimeoutMs: CALL_TIMEOUT_MS,
    retry: { retries: 2, initialRetryTimeMs: 200, maxRetryTimeMs: 1000 },
    ...(sasl ? { sasl } : {}),
  });
}

/** The SDK client every call() uses; replaced by logIn() (a broker run with --auth scram). */
export let client = newClient(null);

/** The error code that means the broker wants a login (WebSocket SASL) first; by code: the bundle's class names are minified. */
const LOGIN_REQUIRED = ErrorCode.ILLEGAL_SASL_STATE;

/**
 * Logs in with SCRAM (the SDK's WebCrypto exchange: the password never leaves the page, only
 * its proof), checks the login with one request, then makes every later call() use it. The
 * password is kept by the SDK for reconnects, in memory only: a reload asks again.
 */
export async function logIn(username, password, mechanism = 'SCRAM-SHA-512') {
  const next = newClient({ mechanism, username, password });
  try {
    await next.admin().listTopics();
  } catch (err) {
    await next.close().catch(() => undefined);
    throw err;
  }
  const old = client;
  client = next;
  void old.close().catch(() => undefined);
  setStatus({ state: 'ok', message: '', user: username });
}

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
    if (status.state !== 'ok') setStatus({ state: 'ok', message: '', user: status.user });
    return result;
  } catch (err) {
    const message = `${what} failed — ${describeError(err)}`;
    if (err?.code === LOGIN_REQUIRED) setStatus({ state: 'login', message: 'This broker requires a login' });
    else setStatus({ state: 'error', message, user: status.user });
    err.consoleMessage = message;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
