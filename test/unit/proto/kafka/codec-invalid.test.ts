import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidRequestError } from '../../../../proto/errors.js';
import { decodeStruct } from '../../../../proto/kafka/codec.js';
import {
  decodeRequest, decodeResponse, encodeApiVersionsFallback, encodeRequest, encodeResponse, encodeUnsupportedResponse,
  KAFKA_UNSUPPORTED_VERSION,
} from '../../../../proto/kafka/messages.js';
import { KafkaReader } from '../../../../proto/kafka/reader.js';
import { array, field } from '../../../../proto/kafka/schema.js';

const frameOf = (buf: Buffer): Buffer => buf.subarray(4);

describe('Kafka request decoding, golden bytes', () => {
  it('reads an ApiVersions v3 request: header v2 with an int16 client id, compact body, tag sections', () => {
    const frame = Buffer.from([
      0x00, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x07, // key 18, version 3, correlation 7
      0x00, 0x02, 0x63, 0x31, // client id "c1" with an int16 length even in header v2
      0x00, // header tagged fields: none
      0x03, 0x6c, 0x69, // compact string "li"
      0x02, 0x32, // compact string "2"
      0x00, // body tagged fields: none
    ]);
    const decoded = decodeRequest(frame);
    expect(decoded).toEqual({
      kind: 'request',
      request: { api: 'apiVersions', apiKey: 18, apiVersion: 3, correlationId: 7, clientId: 'c1',
        body: { clientSoftwareName: 'li', clientSoftwareVersion: '2' } },
    });
    expect(encodeRequest('apiVersions', 3, 7, 'c1', { clientSoftwareName: 'li', clientSoftwareVersion: '2' }).subarray(4))
      .toEqual(frame);
  });

  it('answers ApiVersions v3 with response header v0 (no tag section), the body flexible', () => {
    const bytes = Buffer.concat(encodeResponse('apiVersions', 3, 9, { apiKeys: [{ apiKey: 0, minVersion: 0, maxVersion: 9 }] }));
    expect(bytes.toString('hex')).toBe([
      '00000013', // size 19
      '00000009', // correlation id, header v0
      '0000', // error code
      '02', '0000' + '0000' + '0009', '00', // compact array of one api key, its tag section
      '00000000', // throttle time
      '00', // body tagged fields
    ].join(''));
  });

  it('answers other flexible versions with response header v1 (a tag section after the correlation id)', () => {
    const bytes = Buffer.concat(encodeResponse('heartbeat', 4, 5, { errorCode: 0 }));
    expect(bytes.toString('hex')).toBe('0000000c' + '00000005' + '00' + '00000000' + '0000' + '00');
  });

  it('reports an unknown key or an unserved version as unsupported without reading the body', () => {
    expect(decodeRequest(Buffer.from('7fff0000000000010000ffff', 'hex')))
      .toEqual({ kind: 'unsupported', unsupported: { apiKey: 0x7fff, apiVersion: 0, correlationId: 1 } });
    expect(decodeRequest(Buffer.from('0001000300000002', 'hex')))
      .toEqual({ kind: 'unsupported', unsupported: { apiKey: 1, apiVersion: 3, correlationId: 2 } });
  });

  it('falls back to an ApiVersions v0 answer with UNSUPPORTED_VERSION and the served range (KIP-511)', () => {
    const bytes = Buffer.concat(encodeApiVersionsFallback(3, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }]));
    const { correlationId, body } = decodeResponse('apiVersions', 0, bytes.subarray(4));
    expect(correlationId).toBe(3);
    expect(body.errorCode).toBe(KAFKA_UNSUPPORTED_VERSION);
    expect(body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }]);
    expect(Buffer.concat(encodeUnsupportedResponse(4)).toString('hex')).toBe('00000006' + '00000004' + '0023');
  });
});

describe('Kafka request decoding, the invalid half', () => {
  const metadataV1 = frameOf(encodeRequest('metadata', 1, 1, 'c', { topics: [{ name: 'orders' }] }));

  it('refuses every truncation of a valid request with InvalidRequestError', () => {
    for (let n = 0; n < metadataV1.length; n++) {
      expect(() => decodeRequest(metadataV1.subarray(0, n)), `cut at ${n}`).toThrow(InvalidRequestError);
    }
  });

  it('refuses bytes after the body', () => {
    expect(() => decodeRequest(Buffer.concat([metadataV1, Buffer.from([0])]))).toThrow(/bytes after its body/);
  });

  it('refuses a string or array length larger than what is left, before allocating', () => {
    const lying = Buffer.from(metadataV1);
    lying.writeInt32BE(0x7fffffff, 8 + 2 + 1); // the topics array count
    expect(() => decodeRequest(lying)).toThrow(/claims 2147483647 items/);
    const longName = Buffer.from(metadataV1);
    longName.writeInt16BE(0x7fff, 8 + 2 + 1 + 4);
    expect(() => decodeRequest(longName)).toThrow(InvalidRequestError);
  });

  it('refuses null where the version does not allow it, and negative lengths below -1', () => {
    const nullName = Buffer.from(metadataV1);
    nullName.writeInt16BE(-1, 8 + 2 + 1 + 4);
    expect(() => decodeRequest(nullName)).toThrow(/null but not nullable/);
    const negative = Buffer.from(metadataV1);
    negative.writeInt32BE(-2, 8 + 2 + 1);
    expect(() => decodeRequest(negative)).toThrow(/negative length/);
  });

  const fields = [field('a', 'int32', '0+'), field('b', 'int32', '0+', { tag: 5, taggedVersions: '0+' }),
    array('c', '0+', 'int32')] as const;
  const read = (hex: string) => decodeStruct(new KafkaReader(Buffer.from(hex, 'hex')), fields, 0, true);

  it('reads known tagged fields, skips unknown ones, and fills defaults for absent ones', () => {
    expect(read('00000001' + '01' + '00')).toEqual({ a: 1, b: 0, c: [] });
    expect(read('00000001' + '01' + '02' + '0504' + '00000009' + '0703aabbcc')).toEqual({ a: 1, b: 9, c: [] });
  });

  it('refuses tag sections that lie: sizes past the end, tags out of order, leftover bytes, huge counts', () => {
    expect(() => read('00000001' + '01' + '01' + '0564' + '00000009')).toThrow(/claims 100 bytes/);
    expect(() => read('00000001' + '01' + '02' + '0700' + '0500')).toThrow(/out of order/);
    expect(() => read('00000001' + '01' + '01' + '0505' + '0000000900')).toThrow(/left over/);
    expect(() => read('00000001' + '01' + 'ffffffff07')).toThrow(/cannot fit/);
    expect(() => read('00000001' + '01' + '01' + '05ffffffffff')).toThrow(/longer than 5 bytes/);
  });

  it('never throws anything but InvalidRequestError on random bytes, and never reads past the frame', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.integer({ min: 0, max: 64 }), (bytes, keyPick) => {
      const frame = Buffer.from(bytes);
      if (frame.length >= 2) frame.writeInt16BE(keyPick % 43, 0);
      try {
        decodeRequest(frame);
      } catch (err) {
        expect(err).toBeInstanceOf(InvalidRequestError);
      }
    }), { numRuns: 3000 });
  });
});
