import { randomFillSync } from 'node:crypto';

/** Makes ids for new objects. */
export type IdGenerator = () => string;

/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids sort in creation order
 * (lists page by id). Within one millisecond a counter in the random part keeps them increasing.
 */
export function createUuidV7Generator(nowMs: () => number = Date.now): IdGenerator {
  let lastMs = -1;
  let counter = 0;
  // Random bytes are drawn 4 KiB at a time: one call to the system's generator per 256 ids.
  const pool = Buffer.alloc(4096);
  let offset = pool.length;
  return () => {
    let ms = nowMs();
    if (ms <= lastMs) {
      ms = lastMs;
      counter++;
      // 12 bits of counter; past that borrow the next millisecond rather than lose ordering.
      if (counter > 0xfff) {
        ms = lastMs + 1;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    lastMs = ms;
    if (offset === pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    const bytes = Buffer.from(pool.subarray(offset, offset + 16));
    offset += 16;
    bytes.writeUIntBE(ms, 0, 6);
    bytes[6] = 0x70 | (counter >> 8);
    bytes[7] = counter & 0xff;
    bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  };
}
