/** WebSocket codecs of the security administration APIs (oneof 70-89). */
import type { strata } from '../../../proto/gen/strata.js';
import type { WsApiCodec } from './api-codec.js';

const empty = (): Record<string, never> => ({});
const bytes = (b: Uint8Array | null | undefined): Uint8Array => b ?? new Uint8Array(0);

export const createUser: WsApiCodec<'createUser'> = {
  command: (b: strata.v1.CreateUserRequest) => ({
    name: b.name ?? '',
    credential: {
      mechanism: b.credential?.mechanism ?? '',
      salt: bytes(b.credential?.salt),
      iterations: b.credential?.iterations ?? 0,
      storedKey: bytes(b.credential?.storedKey),
      serverKey: bytes(b.credential?.serverKey),
    },
    replaceExisting: b.replaceExisting ?? false,
  }),
  response: empty,
};

export const listUsers: WsApiCodec<'listUsers'> = {
  command: empty,
  response: (r) => ({ users: r.users.map((u) => ({ name: u.name, credentials: u.credentials.map((c) => ({ ...c })) })) }),
};

export const deleteUser: WsApiCodec<'deleteUser'> = {
  command: (b: strata.v1.DeleteUserRequest) => ({ name: b.name ?? '', mechanism: b.mechanism ?? '' }),
  response: empty,
};

export const saslHandshake: WsApiCodec<'saslHandshake'> = {
  command: (b: strata.v1.SaslHandshakeRequest) => ({ mechanism: b.mechanism ?? '' }),
  response: (r) => ({ mechanisms: r.mechanisms }),
};

export const saslAuthenticate: WsApiCodec<'saslAuthenticate'> = {
  command: (b: strata.v1.SaslAuthenticateRequest) => ({ authBytes: bytes(b.authBytes) }),
  response: (r) => ({ authBytes: r.authBytes, complete: r.complete }),
};

const ACL_FIELDS = ['principal', 'resourceType', 'patternType', 'resourceName', 'operation', 'permission'] as const;
type WireAcl = strata.v1.IAclBinding | null | undefined;
const aclFromWire = (a: WireAcl) => Object.fromEntries(ACL_FIELDS.map((f) => [f, a?.[f] ?? ''])) as Record<(typeof ACL_FIELDS)[number], string>;

export const createAcls: WsApiCodec<'createAcls'> = {
  command: (b: strata.v1.CreateAclsRequest) => ({ acls: (b.acls ?? []).map(aclFromWire) }),
  response: (r) => ({ created: r.created }),
};

export const describeAcls: WsApiCodec<'describeAcls'> = {
  command: (b: strata.v1.DescribeAclsRequest) => ({ filter: aclFromWire(b.filter) }),
  response: (r) => ({ acls: r.acls.map((a) => ({ ...a })) }),
};

export const deleteAcls: WsApiCodec<'deleteAcls'> = {
  command: (b: strata.v1.DeleteAclsRequest) => ({ filters: (b.filters ?? []).map(aclFromWire) }),
  response: (r) => ({ deleted: r.deleted.map((a) => ({ ...a })) }),
};

const entityFromWire = (e: strata.v1.IQuotaEntity | null | undefined) => ({
  ...(e?.user ? { user: e.user } : {}), ...(e?.clientId ? { clientId: e.clientId } : {}),
});

export const alterQuotas: WsApiCodec<'alterQuotas'> = {
  command: (b: strata.v1.AlterQuotasRequest) => ({
    entity: entityFromWire(b.entity),
    set: Object.fromEntries((b.set ?? []).map((v) => [v.key ?? '', v.value ?? 0])),
    remove: b.remove ?? [],
  }),
  response: empty,
};

export const describeQuotas: WsApiCodec<'describeQuotas'> = {
  command: empty,
  response: (r) => ({
    entries: r.entries.map((e) => ({
      entity: { user: e.entity.user ?? '', clientId: e.entity.clientId ?? '' },
      values: Object.entries(e.values).map(([key, value]) => ({ key, value })),
    })),
  }),
};
