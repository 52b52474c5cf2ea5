/**
 * Which browser pages may open a WebSocket to the broker (cross-site WebSocket hijacking: a page
 * on any site can open a WebSocket to any address the browser reaches, and the browser sends the
 * page's origin in the `Origin` header; nothing else stops it).
 *
 * - No `Origin` header: allowed. Browsers always send one on a WebSocket upgrade; programs (the
 *   Node SDK, kcat's neighbours, curl) do not, and they are not a page acting for a visitor.
 * - `same-origin` (the default): the page must come from the broker itself, i.e. the Origin's
 *   host:port equals the request's `Host` header, as with the web console served at `/`.
 *   (Like Gorilla WebSocket's default check. It does not defend against DNS rebinding, where an
 *   attacker's name resolves to the broker and Host and Origin agree; an explicit list does.)
 * - an explicit list (`--allowed-origins https://console.example.com,http://localhost:5173`):
 *   exactly those origins (scheme, host and port compared after URL normalisation).
 * - `*`: any origin (for development only).
 */
import { InvalidConfigError } from '../../proto/errors.js';

export type OriginPolicy =
  | { readonly kind: 'same-origin' }
  | { readonly kind: 'any' }
  | { readonly kind: 'list'; readonly origins: ReadonlySet<string> };

export const SAME_ORIGIN: OriginPolicy = Object.freeze({ kind: 'same-origin' });

/** Parses `--allowed-origins`: 'same-origin', '*', or comma-separated origins (InvalidConfigError otherwise). */
export function parseOriginPolicy(spec: string): OriginPolicy {
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed === 'same-origin') return SAME_ORIGIN;
  if (trimmed === '*') return { kind: 'any' };
  const origins = new Set<string>();
  for (const part of trimmed.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const origin = normaliseOrigin(item);
    if (origin === null) throw new InvalidConfigError(`allowed origin ${JSON.stringify(item)} is not an http(s) origin like https://host:port`);
    origins.add(origin);
  }
  if (origins.size === 0) throw new InvalidConfigError('allowed origins: the list is empty');
  return { kind: 'list', origins };
}

/** Whether an upgrade with this Origin (undefined: none sent) and Host header may proceed. */
export function originAllowed(policy: OriginPolicy, origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  if (policy.kind === 'any') return true;
  const normalised = normaliseOrigin(origin);
  if (normalised === null) return false; // 'null' (sandboxed frames, file://) or garbage
  if (policy.kind === 'list') return policy.origins.has(normalised);
  if (host === undefined || host === '') return false;
  try {
    // The URL parser lower-cases the host and drops a default port on both sides alike.
    return new URL(normalised).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}

/** `scheme://host[:port]` for an http(s) origin (no path, query or credentials), else null. */
function normaliseOrigin(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') return null;
  return url.origin;
}
