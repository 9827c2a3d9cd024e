import * as crypto from 'node:crypto';

// crypto.hash (Node ≥ 20.12) makes no Hash object: twice as fast on the tens of thousands of
// short texts a large compile checksums. Node 20.10 and 20.11 (package.json's engines) lack it.
const oneShot = typeof crypto.hash === 'function' ? crypto.hash : null;

function digest(algorithm: string, text: string, encoding: 'hex' | 'base64'): string {
  return oneShot ? oneShot(algorithm, text, encoding) : crypto.createHash(algorithm).update(text).digest(encoding);
}

export function sha256(text: string): string {
  return digest('sha256', text, 'hex');
}

/** The compile cache's content hash (compile/cache.ts): SHA-1 in base64, as the cache has always stored it. */
export function sha1Base64(text: string): string {
  return digest('sha1', text, 'base64');
}
