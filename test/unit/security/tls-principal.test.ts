import { describe, expect, it } from 'vitest';
import { rfc2253OfNodeSubject, splitPrincipalList } from '../../../broker/security/tls-principal.js';

describe('certificate subject as a principal', () => {
  it('reverses Node\'s one-RDN-per-line subject into RFC 2253 order, keeping escapes', () => {
    expect(rfc2253OfNodeSubject('C=SE\nO=Strata Test\nOU=eng\nCN=alice')).toBe('CN=alice,OU=eng,O=Strata Test,C=SE');
    expect(rfc2253OfNodeSubject('O=Acme\\, Inc.\nCN=bob')).toBe('CN=bob,O=Acme\\, Inc.');
    expect(rfc2253OfNodeSubject('O=Acme\nCN=bob + UID=7')).toBe('CN=bob+UID=7,O=Acme');
    expect(rfc2253OfNodeSubject('CN=a \\+ b')).toBe('CN=a \\+ b');
  });

  it('splits --super-users with DNs in it', () => {
    expect(splitPrincipalList('alice,User:CN=broker-0,O=Acme,bob')).toEqual(['alice', 'User:CN=broker-0,O=Acme', 'bob']);
    expect(splitPrincipalList('User:CN=a,O=x,User:CN=b,O=y')).toEqual(['User:CN=a,O=x', 'User:CN=b,O=y']);
    expect(splitPrincipalList('User:CN=a\\,b,O=x')).toEqual(['User:CN=a\\,b,O=x']);
    expect(splitPrincipalList('alice,bob')).toEqual(['alice', 'bob']);
  });
});
