import { createHash } from 'node:crypto';

// The queue's job ids are UUIDs and (queue, id) is its primary key. A job scheduled with a
// singleton key gets an id derived from the queue and the key, so the database itself refuses
// a second copy, whichever process schedules it.
export function keyedJobId(queue: string, key: string): string {
  const h = createHash('sha256').update(`${queue}\u0000${key}`).digest('hex');
  // Shaped as an RFC 9562 version-8 (custom) UUID with the RFC variant bits.
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
