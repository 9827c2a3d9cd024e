import * as crypto from 'node:crypto';

// crypto.hash (Node ≥ 20.12) makes no Hash object: twice as fast on the tens of thousands of
// short texts a large compile checksums. Node 20.10 and 20.11 (package.json's engines) lack it.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : null;

export function sha256(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : crypto.createHash('sha256').update(text).digest('hex');
}

/** The compile cache's content hash (compile/cache.ts): SHA-1 in base64, as the cache has always stored it. */
export function sha1Base64(text: string): string {
  return oneShot ? oneShot('sha1', text, 'base64') : crypto.createHash('sha1').update(text).digest('base64');
}
