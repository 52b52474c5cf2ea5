import { describe, expect, it } from 'vitest';
import { originAllowed, parseOriginPolicy, SAME_ORIGIN } from '../../../broker/http/origin-policy.js';
import { InvalidConfigError } from '../../../proto/errors.js';

describe('origin policy', () => {
  it('allows requests without an Origin header under every policy (not a browser)', () => {
    for (const p of [SAME_ORIGIN, parseOriginPolicy('*'), parseOriginPolicy('https://a.example')]) {
      expect(originAllowed(p, undefined, 'broker:7171')).toBe(true);
    }
  });

  it('same-origin: allows pages served by the broker (Origin host:port = Host), nothing else', () => {
    expect(originAllowed(SAME_ORIGIN, 'http://127.0.0.1:7171', '127.0.0.1:7171')).toBe(true);
    expect(originAllowed(SAME_ORIGIN, 'http://Broker.Example:7171', 'broker.example:7171')).toBe(true);
    expect(originAllowed(SAME_ORIGIN, 'http://broker.example', 'broker.example:80')).toBe(true);
    expect(originAllowed(SAME_ORIGIN, 'http://127.0.0.1:7172', '127.0.0.1:7171')).toBe(false);
    expect(originAllowed(SAME_ORIGIN, 'https://evil.example', '127.0.0.1:7171')).toBe(false);
    expect(originAllowed(SAME_ORIGIN, 'null', '127.0.0.1:7171')).toBe(false);
    expect(originAllowed(SAME_ORIGIN, 'file:///tmp/x.html', '127.0.0.1:7171')).toBe(false);
    expect(originAllowed(SAME_ORIGIN, 'http://127.0.0.1:7171', undefined)).toBe(false);
  });

  it('a list allows exactly its origins, compared after normalisation', () => {
    const p = parseOriginPolicy(' https://Console.Example.com , http://localhost:5173 ');
    expect(originAllowed(p, 'https://console.example.com', 'x')).toBe(true);
    expect(originAllowed(p, 'https://console.example.com:443', 'x')).toBe(true);
    expect(originAllowed(p, 'http://localhost:5173', 'x')).toBe(true);
    expect(originAllowed(p, 'http://localhost:5174', 'x')).toBe(false);
    expect(originAllowed(p, 'http://console.example.com', 'x')).toBe(false);
    expect(originAllowed(parseOriginPolicy('*'), 'https://anything.example', 'x')).toBe(true);
  });

  it('refuses lists that are not http(s) origins', () => {
    for (const bad of ['ftp://x', 'https://x/path', 'not a url', ',', 'https://user@x']) {
      expect(() => parseOriginPolicy(bad), bad).toThrow(InvalidConfigError);
    }
    expect(parseOriginPolicy('same-origin')).toBe(SAME_ORIGIN);
  });
});
