/** WebSocket codec of what the web console asks beyond the SDK's usual APIs (BrokerStats, oneof 100). */
import type { WsApiCodec } from './api-codec.js';

export const brokerStats: WsApiCodec<'brokerStats'> = {
  command: () => ({}),
  response: (r) => ({ ...r }),
};
