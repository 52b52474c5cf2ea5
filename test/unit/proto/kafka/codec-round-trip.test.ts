import { describe, expect, it } from 'vitest';
import { isFlexible, KafkaApis, type KafkaApiName } from '../../../../proto/kafka/apis.js';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse } from '../../../../proto/kafka/messages.js';
import { sample } from './sample-values.js';

const names = Object.keys(KafkaApis) as KafkaApiName[];
const cases = names.flatMap((name) => {
  const api = KafkaApis[name];
  const versions = new Set([api.versions.min, api.versions.max]);
  if (Number.isFinite(api.flexibleFrom) && api.flexibleFrom - 1 >= api.versions.min) versions.add(api.flexibleFrom - 1);
  return [...versions].map((version) => ({ name, version }));
});

describe('Kafka codec round trips, every API at its lowest, last classic and highest version', () => {
  it.each(cases)('$name v$version request', ({ name, version }) => {
    const api = KafkaApis[name];
    const { value, expected } = sample(api.request, version, isFlexible(api, version));
    const frame = encodeRequest(name, version, 42, 'client-1', value as never);
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    const decoded = decodeRequest(frame.subarray(4));
    expect(decoded.kind).toBe('request');
    if (decoded.kind !== 'request') return;
    expect(decoded.request.api).toBe(name);
    expect(decoded.request.correlationId).toBe(42);
    expect(decoded.request.clientId).toBe('client-1');
    expect(decoded.request.body).toEqual(expected);
  });

  it.each(cases)('$name v$version response', ({ name, version }) => {
    const api = KafkaApis[name];
    const { value, expected } = sample(api.response, version, isFlexible(api, version));
    const chunks = encodeResponse(name, version, 7, value as never);
    const whole = Buffer.concat(chunks);
    expect(whole.readInt32BE(0)).toBe(whole.length - 4);
    const decoded = decodeResponse(name, version, whole.subarray(4));
    expect(decoded.correlationId).toBe(7);
    expect(decoded.body).toEqual(expected);
  });
});
