// One workload run in its own process: `node worker.mjs`, driven over IPC by bench-compare.mjs.
//
// Each produce and each consume gets a fresh Node process so that one system's heap, GC debt
// and JIT state cannot slow the next measurement down. The parent sends
// `{ system, op, options }`; the worker replies `{ ok: true, result }` or `{ ok: false, error }`
// and exits.

const WORKLOADS = {
  strata: () => import('./strata-workload.mjs'),
  nats: () => import('./nats-workload.mjs'),
  redis: () => import('./redis-workload.mjs'),
};

process.once('message', async ({ system, op, options }) => {
  try {
    const load = WORKLOADS[system];
    if (!load) throw new Error(`unknown system '${system}'`);
    const workload = await load();
    const result = await workload[op](options);
    process.send({ ok: true, result }, () => process.exit(0));
  } catch (err) {
    const error = { name: err?.name ?? 'Error', message: err?.message ?? String(err), stack: err?.stack };
    process.send({ ok: false, error }, () => process.exit(1));
  }
});
