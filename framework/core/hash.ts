import * as crypto from 'node:crypto';

// crypto.hash (Node ≥ 20.12) makes no Hash object: twice as fast on the tens of thousands of
// short texts a large compile checksums. Node 20.10 and 20.11 (package.json's engines) lack it.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : null;

export function sha256(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}
