// UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, 74 random bits. Ids made on the device
// let the server store a retried write once (idempotent by id).
let lastMs = 0;
let lastRand = new Uint8Array(10);

export function uuidv7(now: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  let rand = new Uint8Array(10);
  crypto.getRandomValues(rand);
  if (now <= lastMs) {
    // Same millisecond (or clock went back): keep ordering by incrementing the previous random.
    now = lastMs;
    rand = lastRand.slice();
    for (let i = rand.length - 1; i >= 0; i--) {
      rand[i] = (rand[i] + 1) & 0xff;
      if (rand[i] !== 0) break;
    }
  }
  lastMs = now;
  lastRand = rand;
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes.set(rand, 6);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);
  bytes[8] = 0x80 | (bytes[8] & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
