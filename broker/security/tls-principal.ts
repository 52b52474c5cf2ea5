/**
 * The principal of a mutual-TLS connection, Kafka's default way: `User:` + the client
 * certificate's subject distinguished name in RFC 2253 form, the most significant RDN last
 * (a certificate made with `-subj "/C=SE/O=Acme/CN=alice"` is `User:CN=alice,O=Acme,C=SE`),
 * which is what Java's X500Principal.getName() gives Kafka's DefaultKafkaPrincipalBuilder.
 *
 * Node prints the subject one RDN per line in certificate order, with values already escaped
 * by RFC 2253's rules (OpenSSL's ASN1_STRFLGS_ESC_2253) and multi-valued RDNs joined with
 * " + "; reversing the lines and joining them with commas gives the RFC 2253 string.
 * Known difference from Java: attribute types outside RFC 2253's short list keep OpenSSL's names
 * (`emailAddress=...`) where Java writes the OID and the hex of the value.
 *
 * Read once, when the handshake completes: the certificate cannot change during a connection.
 */
import type { TLSSocket } from 'node:tls';
import { PRINCIPAL_NAME_BYTES_MAX, userPrincipal } from './principal.js';

/** The subject DN of the peer's certificate (RFC 2253), or null when it sent none. */
export function peerSubjectDn(socket: TLSSocket): string | null {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return null;
  return rfc2253OfNodeSubject(cert.subject);
}

/** Node's multi-line subject (X509Certificate.subject) as an RFC 2253 string. */
export function rfc2253OfNodeSubject(subject: string): string {
  return subject.split('\n').filter((rdn) => rdn.length > 0).reverse()
    // Only an unescaped '+' (the multi-valued separator OpenSSL writes as " + ") joins AVAs.
    .map((rdn) => rdn.replace(/ \+ (?=[A-Za-z0-9.]+=)/g, '+'))
    .join(',');
}

/**
 * Splits a comma-separated list of principals where an entry may be a certificate DN, itself
 * comma-separated (`alice,User:CN=broker-0,O=Acme,bob`): a piece that looks like a DN attribute
 * (`X=...`) and follows a `User:` entry holding one continues that entry.
 */
export function splitPrincipalList(text: string): string[] {
  const out: string[] = [];
  for (const piece of text.split(',').map((s) => s.trim())) {
    const last = out.length - 1;
    const prev = last >= 0 ? out[last]! : undefined;
    const continuesDn = prev !== undefined && prev.startsWith('User:') && prev.includes('=') && /^[A-Za-z][A-Za-z0-9.-]*=/.test(piece)
      // An escaped comma at the end of the previous piece (`\,`) was part of a value.
      || (prev !== undefined && prev.endsWith('\\'));
    if (continuesDn) out[last] = `${prev},${piece}`;
    else out.push(piece);
  }
  return out;
}

/**
 * `User:<subject DN>` for an authorized client certificate, or null (none, or a DN longer than
 * a principal may be: such a connection stays anonymous and is refused like one).
 */
export function certificatePrincipal(socket: TLSSocket): string | null {
  if (!socket.authorized) return null;
  const dn = peerSubjectDn(socket);
  if (dn === null || dn.length === 0 || Buffer.byteLength(dn, 'utf8') > PRINCIPAL_NAME_BYTES_MAX) return null;
  return userPrincipal(dn);
}
