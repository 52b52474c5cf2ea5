// Renders the comparison's results as one markdown table of medians, ready to paste into the
// README, with Strata's ratio to every peer row at equal durability and to the best of them.

const DURABILITY_TITLE = {
  always: 'fsync before ack',
  interval: 'fsync on interval',
};

/** 10^6 bytes: the MB in "MB/s", as in Kafka's perf-test output. */
const BYTES_PER_MB = 1e6;

function median(values) {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const int = (n) => Math.round(n).toLocaleString('en-US');
const mbps = (rps, recordSize) => ((rps * recordSize) / BYTES_PER_MB).toFixed(1);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

function summarize(cell, runsWanted) {
  const produce = median(cell.runs.map((r) => r.produceRps));
  const consume = median(cell.runs.map((r) => r.consumeRps));
  return { produce, consume, partial: cell.runs.length > 0 && cell.runs.length < runsWanted };
}

/**
 * @param {{ cells: any[], opts: { records: number, recordSize: number, runs: number },
 *           versions: Record<string, string | undefined>, machine: string }} r
 * @returns {string} markdown
 */
export function renderTable({ cells, opts, versions, machine }) {
  const { recordSize } = opts;
  for (const c of cells) c.summary = summarize(c, opts.runs);
  const lines = [];
  const v = [
    versions.strata && `Strata ${versions.strata}`,
    versions.nats && `nats-server ${versions.nats}`,
    versions.redis && `redis-server ${versions.redis}`,
  ].filter(Boolean).join(', ');
  lines.push('');
  lines.push(`${int(opts.records)} records × ${recordSize} B, one producer connection, one server, loopback; `
    + `median of ${opts.runs} run(s), systems alternated per run. ${machine}. ${v}.`);
  lines.push('');
  lines.push('| System | Durability | Server setting | Produce rec/s | Produce MB/s | Replay rec/s | Replay MB/s | Strata ÷ this, produce | Strata ÷ this, replay |');
  lines.push('|---|---|---|--:|--:|--:|--:|--:|--:|');

  for (const durability of ['always', 'interval']) {
    const group = cells.filter((c) => c.durability === durability);
    const strata = group.find((c) => c.system === 'strata' && c.summary.produce !== undefined);
    // "Best peer" counts only rows whose producer gets a per-record confirmation, like Strata's.
    const peers = group.filter((c) => c.system !== 'strata' && !c.unacked && c.summary.produce !== undefined);
    const best = (key) => peers.reduce((b, c) => (b === undefined || c.summary[key] > b.summary[key] ? c : b), undefined);

    for (const c of group) {
      const s = c.summary;
      const setting = c.setup.unavailable ? `unavailable: ${c.setup.unavailable}` : c.setup.note;
      const cellsOut = [c.label + (s.partial ? ` (${c.runs.length}/${opts.runs} runs)` : ''), DURABILITY_TITLE[durability], setting];
      if (s.produce === undefined) {
        const why = c.setup.unavailable ? 'n/a' : `failed: ${String(c.errors?.[0]?.message ?? 'no run').split('\n')[0]}`;
        cellsOut.push(why, 'n/a', 'n/a', 'n/a', '—', '—');
      } else {
        cellsOut.push(int(s.produce), mbps(s.produce, recordSize), int(s.consume), mbps(s.consume, recordSize));
        if (c.system === 'strata') {
          const bp = best('produce');
          const bc = best('consume');
          cellsOut.push(
            bp ? `vs best peer: ${ratio(s.produce, bp.summary.produce)} (${bp.label})` : 'no peer measured',
            bc ? `vs best peer: ${ratio(s.consume, bc.summary.consume)} (${bc.label})` : 'no peer measured',
          );
        } else if (strata) {
          cellsOut.push(ratio(strata.summary.produce, s.produce), ratio(strata.summary.consume, s.consume));
        } else {
          cellsOut.push('—', '—');
        }
      }
      lines.push(`| ${cellsOut.map((x) => String(x).replace(/\|/g, '\\|')).join(' | ')} |`);
    }
  }
  lines.push('');
  lines.push('Produce: first send → last ack. Replay: all records read back from the start. MB/s counts record payload bytes (10^6 B).');
  lines.push('"Strata ÷ this" above 1 means Strata is faster. "Best peer" compares only producers that get a per-record acknowledgement; '
    + 'the NATS core-publish row gets none (its clock stops when the stream reports holding every record) and is shown as NATS\'s upper bound.');
  lines.push('Strata\'s producer batches records (RecordBatch v2, up to 1 MiB) and under flush always the broker fsyncs once per produce request; '
    + 'Redis under appendfsync always fsyncs once per event-loop turn, covering the pipelined XADDs read in it. Both ack only after the fsync.');
  lines.push('');
  return lines.join('\n');
}
