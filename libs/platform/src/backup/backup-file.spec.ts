import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { backupKeyId, openBackupFile, writeBackupFile } from './backup-file';
import { BackupError } from './backup.errors';

// The file format on its own (temporary files, no database).
const key = randomBytes(32);
const manifest = { kind: 'test', companies: ['acme-corp'] };
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'maple-backup-file-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

// The body arrives in uneven pieces, as pg_dump's pipe delivers it.
async function* pieces(data: Buffer, sizes = [1, 700, 33, 4096]): AsyncGenerator<Uint8Array> {
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length];
    yield new Uint8Array(data.subarray(at, at + n));
    at += n;
  }
}

async function readAll(file: string, k = key): Promise<{ manifest: unknown; body: Buffer }> {
  const b = await openBackupFile(file, k);
  try {
    const parts: Buffer[] = [];
    for await (const c of b.body()) parts.push(c);
    return { manifest: b.manifest, body: Buffer.concat(parts) };
  } finally {
    await b.close();
  }
}

async function failure(file: string, k = key): Promise<BackupError> {
  const e = await readAll(file, k).then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof BackupError)) throw new Error(`expected a BackupError, got ${String(e)}`);
  return e;
}

let n = 0;
async function written(body: Buffer, chunkSize = 1000): Promise<string> {
  const file = path.join(dir, `b${n++}.mbak`);
  await writeBackupFile(file, key, manifest, pieces(body), chunkSize);
  return file;
}

describe('backup file format', () => {
  it.each([
    ['several chunks and a short last one', 2500],
    ['an exact multiple of the chunk size', 3000],
    ['an empty dump', 0],
  ])('gives back the manifest and the dump byte for byte: %s', async (_name, size) => {
    const body = randomBytes(size);
    expect(await readAll(await written(body))).toEqual({ manifest, body });
  });

  it('shows nothing of the manifest or the dump in clear', async () => {
    const body = Buffer.from('PGDMP acme-corp '.repeat(200));
    const raw = await readFile(await written(body));
    expect(raw.includes(Buffer.from('acme-corp'))).toBe(false);
    expect(raw.includes(Buffer.from('PGDMP'))).toBe(false);
  });

  it('refuses every single flipped byte, wherever it is', async () => {
    const file = await written(randomBytes(600), 200);
    const raw = await readFile(file);
    const codes = new Set<string>();
    for (let i = 0; i < raw.length; i++) {
      const bad = Buffer.from(raw);
      bad[i] ^= 0x20;
      const f = path.join(dir, 'flipped.mbak');
      await writeFile(f, bad);
      codes.add((await failure(f)).code);
    }
    // A changed key id reads as another key; everything else fails authentication or parsing.
    expect([...codes].sort()).toEqual(['BACKUP.FILE_DAMAGED', 'BACKUP.FILE_UNREADABLE', 'BACKUP.KEY_MISMATCH']);
  });

  it('names the chunk that does not authenticate', async () => {
    const file = await written(randomBytes(5000), 1000);
    const raw = await readFile(file);
    raw[raw.length - 1500] ^= 1;
    await writeFile(file, raw);
    expect((await failure(file)).message).toMatch(/damaged or was altered: chunk 4 does not authenticate/);
  });

  it('refuses a file cut off at a chunk boundary, one with bytes appended, and one with two chunks swapped', async () => {
    const file = await written(randomBytes(3500), 1000);
    const raw = await readFile(file);
    const prelude = raw.readUInt32BE(8) + 12;
    const record = 4 + 1000 + 16;
    const manifestRecord = 4 + raw.readUInt32BE(prelude) + 16;
    const firstChunk = prelude + manifestRecord;
    const cut = path.join(dir, 'cut.mbak');
    await writeFile(cut, raw.subarray(0, firstChunk + 2 * record));
    expect((await failure(cut)).code).toBe('BACKUP.FILE_DAMAGED');
    const longer = path.join(dir, 'longer.mbak');
    await writeFile(longer, Buffer.concat([raw, Buffer.from('x')]));
    expect((await failure(longer)).code).toBe('BACKUP.FILE_DAMAGED');
    const swapped = Buffer.from(raw);
    raw.copy(swapped, firstChunk, firstChunk + record, firstChunk + 2 * record);
    raw.copy(swapped, firstChunk + record, firstChunk, firstChunk + record);
    const sw = path.join(dir, 'swapped.mbak');
    await writeFile(sw, swapped);
    expect((await failure(sw)).message).toMatch(/chunk 1 does not authenticate/);
  });

  it('tells a wrong key apart from damage, naming both keys', async () => {
    const other = randomBytes(32);
    const e = await failure(await written(randomBytes(10)), other);
    expect(e.code).toBe('BACKUP.KEY_MISMATCH');
    expect(e.message).toContain(backupKeyId(key));
    expect(e.message).toContain(backupKeyId(other));
  });

  it('refuses what is not a Maple backup', async () => {
    const f = path.join(dir, 'dump.sql');
    await writeFile(f, 'CREATE TABLE x ();');
    expect(await failure(f)).toMatchObject({ code: 'BACKUP.FILE_UNREADABLE', message: expect.stringMatching(/not a Maple backup/) });
    expect(await failure(path.join(dir, 'missing.mbak'))).toMatchObject({ code: 'BACKUP.NOT_FOUND' });
  });

  it('leaves no file behind when the dump fails, and never replaces an existing backup', async () => {
    const file = path.join(dir, 'failing.mbak');
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(3000);
      throw new Error('pg_dump died');
    }
    await expect(writeBackupFile(file, key, manifest, failing(), 1000)).rejects.toThrow('pg_dump died');
    expect((await readdir(dir)).filter((f) => f.startsWith('failing'))).toEqual([]);
    const existing = await written(Buffer.from('first'));
    await expect(writeBackupFile(existing, key, manifest, pieces(Buffer.from('second')))).rejects.toMatchObject({ code: 'EEXIST' });
    expect((await readAll(existing)).body.toString()).toBe('first');
  });
});
