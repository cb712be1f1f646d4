import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database, loadConfig, socketUrl } from '@maple/platform';

// `npm run bench:embedded`: what a transaction costs on the embedded database when it comes
// through the owner's socket (the CLI beside a running API) rather than from the owner itself.
// Both sides run in this one process, so the figures are the whole machine's cost per
// transaction (client, wire protocol, server), measured in alternating rounds. No target: context
// for how fast CLI commands run beside the API. Prints one JSON object.
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 2000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;

async function rate(db: Database, ms: number): Promise<number> {
  let done = 0;
  const until = Date.now() + ms;
  while (Date.now() < until) {
    await db.transaction((tx) => tx.execute('INSERT INTO bench_rows (note) VALUES ($1)', `row ${done}`), { companyId: 'bench' });
    done++;
  }
  return (done * 1000) / ms;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'maple-bench-embedded-'));
  const owner = await Database.open({ config: loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent' }), migrate: true, embedded: { processName: 'bench', whenInUse: 'fail' } });
  const socketDir = owner.embedded?.socketDir;
  if (!socketDir) throw new Error('the embedded database is not served on this platform');
  const client = await Database.open({ config: loadConfig({ DATABASE_URL: socketUrl(socketDir), DB_POOL_SIZE: '1', LOG_LEVEL: 'silent' }) });
  try {
    await owner.ownerTransaction(async (tx) => {
      await tx.execute('CREATE TABLE bench_rows (id bigserial PRIMARY KEY, note text)');
      await tx.execute('GRANT ALL ON bench_rows, bench_rows_id_seq TO maple_app');
    });
    await rate(owner, 300);
    await rate(client, 300);
    const inProcess: number[] = [];
    const viaSocket: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      inProcess.push(await rate(owner, ROUND_MS));
      viaSocket.push(await rate(client, ROUND_MS));
    }
    const [{ n }] = await owner.ownerTransaction((tx) => tx.query<{ n: number }>('SELECT count(*)::int AS n FROM bench_rows'));
    const ratios = inProcess.map((v, i) => viaSocket[i] / v);
    process.stdout.write(
      `${JSON.stringify({
        roundMs: ROUND_MS,
        rounds: ROUNDS,
        rowsWritten: n,
        inProcessTxPerSec: round(median(inProcess), 0),
        socketTxPerSec: round(median(viaSocket), 0),
        socketToInProcessRatio: round(median(ratios)),
        ratioRange: [round(Math.min(...ratios)), round(Math.max(...ratios))],
        node: process.version,
        cpus: os.cpus().length,
      })}\n`,
    );
  } finally {
    await client.close();
    await owner.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(1);
});
