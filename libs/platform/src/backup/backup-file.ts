import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { link, open, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { BackupError } from './backup.errors';

// The backup file, version 1 (integers big-endian):
//
//   prelude, in clear:  "MAPLEBK\n" | u32 header length | header JSON (UTF-8)
//   records:            u32 ciphertext length | ciphertext | 16-byte GCM tag
//     record 0 is the manifest (JSON), records 1..n the database dump in chunks of
//     header.chunkSize bytes. The last record is sealed with a "final" flag.
//
// Each record is AES-256-GCM under a key of its own file, HKDF-SHA256(master key, random salt),
// with nonce = u64 record number || u32 final flag, so records cannot be reordered, dropped,
// or cut off at a record boundary without failing authentication. The whole prelude is the
// additional data of every record: the header cannot be altered either. The header says
// which master key was used (keyId, an HMAC of the key, not the key), so a wrong key is told
// apart from a damaged file. Only one chunk is in memory at a time, both ways.

const MAGIC = Buffer.from('MAPLEBK\n', 'latin1');
const TAG_BYTES = 16;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const KDF_INFO = Buffer.from('maple-backup v1 file key');

export const BACKUP_FILE_VERSION = 1;

/** The clear-text header of a backup file (authenticated, not secret). */
export type BackupHeader = {
  format: 'maple-backup';
  version: number;
  cipher: 'AES-256-GCM';
  kdf: 'HKDF-SHA256';
  /** base64, 32 bytes. */
  salt: string;
  /** Which master key encrypted the file (see backupKeyId). */
  keyId: string;
  chunkSize: number;
};

/** A short public name of a master key: first 16 hex digits of HMAC-SHA256(key, label). */
export function backupKeyId(key: Buffer): string {
  return createHmac('sha256', key).update('maple-backup key id').digest('hex').slice(0, 16);
}

function fileKey(master: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', master, salt, KDF_INFO, 32));
}

function nonce(record: number, final: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(record), 0);
  n.writeUInt32BE(final ? 1 : 0, 8);
  return n;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n, 0);
  return b;
}

type Sealer = (plain: Buffer, final: boolean) => Buffer[];

function sealer(key: Buffer, prelude: Buffer, first = 0): Sealer {
  let record = first;
  return (plain, final) => {
    const c = createCipheriv('aes-256-gcm', key, nonce(record++, final));
    c.setAAD(prelude);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return [u32(ct.length), ct, c.getAuthTag()];
  };
}

/**
 * Writes an encrypted backup: the manifest, then `body` (the dump) as it streams in. The file
 * appears under `path` only once complete and flushed (written as `<path>.partial`, then linked);
 * a failure leaves nothing behind. Returns the file's size in bytes.
 */
export async function writeBackupFile(
  path: string,
  masterKey: Buffer,
  manifest: unknown,
  body: AsyncIterable<Uint8Array>,
  chunkSize = DEFAULT_CHUNK_BYTES,
): Promise<number> {
  const header: BackupHeader = {
    format: 'maple-backup',
    version: BACKUP_FILE_VERSION,
    cipher: 'AES-256-GCM',
    kdf: 'HKDF-SHA256',
    salt: randomBytes(32).toString('base64'),
    keyId: backupKeyId(masterKey),
    chunkSize,
  };
  const headerBytes = Buffer.from(JSON.stringify(header), 'utf8');
  const prelude = Buffer.concat([MAGIC, u32(headerBytes.length), headerBytes]);
  const seal = sealer(fileKey(masterKey, Buffer.from(header.salt, 'base64')), prelude);
  const partial = `${path}.partial`;
  const out = await open(partial, 'wx', 0o600);
  let size = 0;
  const write = async (parts: Buffer[]) => {
    for (const p of parts) {
      await out.write(p);
      size += p.length;
    }
  };
  try {
    await write([prelude]);
    await write(seal(Buffer.from(JSON.stringify(manifest), 'utf8'), false));
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const piece of body) {
      pending.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      pendingBytes += piece.byteLength;
      if (pendingBytes < chunkSize) continue;
      let all = Buffer.concat(pending, pendingBytes);
      while (all.length >= chunkSize) {
        await write(seal(all.subarray(0, chunkSize), false));
        all = all.subarray(chunkSize);
      }
      pending = [Buffer.from(all)];
      pendingBytes = all.length;
    }
    // The rest (possibly nothing) is the final record: its flag marks the end of the dump.
    await write(seal(Buffer.concat(pending, pendingBytes), true));
    await out.sync();
    await out.close();
    // link, not rename: an existing backup of the same name is never replaced (EEXIST).
    await link(partial, path);
    return size;
  } finally {
    await out.close().catch(() => undefined);
    await unlink(partial).catch(() => undefined);
  }
}

/** An opened backup: its header and authenticated manifest; `body()` streams the authenticated dump. */
export type OpenedBackup = {
  header: BackupHeader;
  manifest: unknown;
  /** The dump, chunk by chunk; each chunk is released only after it authenticated. */
  body(): AsyncGenerator<Buffer>;
  close(): Promise<void>;
};

const damaged = (what: string) =>
  new BackupError('BACKUP.FILE_DAMAGED', `The backup file is damaged or was altered: ${what}. Nothing was restored from it.`);

async function readExactly(fh: FileHandle, at: number, length: number): Promise<Buffer | null> {
  const buf = Buffer.alloc(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, at + got);
    if (bytesRead === 0) return null;
    got += bytesRead;
  }
  return buf;
}

function parseHeader(raw: Buffer): BackupHeader {
  let h: BackupHeader;
  try {
    h = JSON.parse(raw.toString('utf8')) as BackupHeader;
  } catch {
    throw new BackupError('BACKUP.FILE_UNREADABLE', 'The backup header is not readable JSON.');
  }
  if (h.format !== 'maple-backup') throw new BackupError('BACKUP.FILE_UNREADABLE', 'Not a Maple backup file.');
  if (h.version !== BACKUP_FILE_VERSION)
    throw new BackupError('BACKUP.FILE_UNREADABLE', `Backup format version ${String(h.version)} is not one this Maple reads (it reads version ${BACKUP_FILE_VERSION}).`);
  if (h.cipher !== 'AES-256-GCM' || h.kdf !== 'HKDF-SHA256' || !Number.isInteger(h.chunkSize) || h.chunkSize < 1 || h.chunkSize > 64 * 1024 * 1024)
    throw new BackupError('BACKUP.FILE_UNREADABLE', 'The backup header names a cipher or chunk size this Maple does not use.');
  if (typeof h.keyId !== 'string' || typeof h.salt !== 'string' || Buffer.from(h.salt, 'base64').length !== 32)
    throw new BackupError('BACKUP.FILE_UNREADABLE', 'The backup header lacks its key id or salt.');
  return h;
}

/**
 * Opens a backup with the master key: checks the format, that the key is the one the file was
 * written with (BACKUP.KEY_MISMATCH otherwise), and authenticates the manifest.
 */
export async function openBackupFile(path: string, masterKey: Buffer): Promise<OpenedBackup> {
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') throw new BackupError('BACKUP.NOT_FOUND', `No backup file at ${path}.`);
    throw e;
  });
  try {
    const size = (await fh.stat()).size;
    const start = await readExactly(fh, 0, MAGIC.length + 4);
    if (!start || !start.subarray(0, MAGIC.length).equals(MAGIC))
      throw new BackupError('BACKUP.FILE_UNREADABLE', `${path} is not a Maple backup file.`);
    const headerLength = start.readUInt32BE(MAGIC.length);
    const headerBytes = headerLength <= MAX_HEADER_BYTES ? await readExactly(fh, start.length, headerLength) : null;
    if (!headerBytes) throw damaged('the header is cut off');
    const header = parseHeader(headerBytes);
    const expected = backupKeyId(masterKey);
    if (header.keyId !== expected)
      throw new BackupError(
        'BACKUP.KEY_MISMATCH',
        `This backup was encrypted with key ${header.keyId}; BACKUP_ENCRYPTION_KEY is key ${expected}. Configure the key the backup was made with.`,
        { fileKeyId: header.keyId, configuredKeyId: expected },
      );
    const prelude = Buffer.concat([start, headerBytes]);
    const key = fileKey(masterKey, Buffer.from(header.salt, 'base64'));
    let offset = prelude.length;
    let record = 0;

    // Reads and authenticates the next record; `final` is whether it ends the file.
    const next = async (limit: number): Promise<{ plain: Buffer; final: boolean } | null> => {
      if (offset === size) return null;
      const len = await readExactly(fh, offset, 4);
      if (!len) throw damaged(`the file ends inside record ${record}`);
      const length = len.readUInt32BE(0);
      if (length > limit) throw damaged(`record ${record} has an impossible length`);
      const sealed = await readExactly(fh, offset + 4, length + TAG_BYTES);
      if (!sealed) throw damaged(`the file ends inside record ${record} (it was cut off)`);
      const end = offset + 4 + length + TAG_BYTES;
      const final = end === size;
      const d = createDecipheriv('aes-256-gcm', key, nonce(record, final));
      d.setAAD(prelude);
      d.setAuthTag(sealed.subarray(length));
      let plain: Buffer;
      try {
        plain = Buffer.concat([d.update(sealed.subarray(0, length)), d.final()]);
      } catch {
        throw damaged(
          record === 0
            ? 'the manifest does not authenticate'
            : `chunk ${record} does not authenticate${final ? ' as the last one (was the file cut off?)' : ''}`,
        );
      }
      offset = end;
      record++;
      return { plain, final };
    };

    const first = await next(MAX_MANIFEST_BYTES);
    if (!first) throw damaged('the manifest is missing');
    if (first.final) throw damaged('the dump is missing');
    let manifest: unknown;
    try {
      manifest = JSON.parse(first.plain.toString('utf8'));
    } catch {
      throw damaged('the manifest is not JSON');
    }
    let closed = false;
    const close = async () => {
      if (!closed) await fh.close();
      closed = true;
    };
    return {
      header,
      manifest,
      close,
      async *body() {
        for (;;) {
          const r = await next(header.chunkSize);
          if (!r) throw damaged('the file ends before its last chunk (it was cut off)');
          yield r.plain;
          if (r.final) return;
        }
      },
    };
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw e;
  }
}
