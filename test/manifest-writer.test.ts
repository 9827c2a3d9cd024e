import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeHere, writeInThread } from '../framework/compile/manifest_writer.js';

describe('writing manifest.json a line at a time', () => {
  // Thousands of lines across several buffers, characters of two, three and four bytes, and one
  // line longer than a buffer.
  const texts = [
    '{"nodes":{',
    ...Array.from({ length: 3_000 }, (_, i) => `\n"é${i}":"${'ü€😀'.repeat(i % 50)}",`),
    `\n"long":"${'x😀'.repeat(3 << 20)}"`,
    '\n}}\n',
  ];

  for (const [where, open] of [
    ['in a thread', writeInThread],
    ['in the calling thread', writeHere],
  ] as const) {
    it(`writes every text in order, each character whole (${where})`, () => {
      const path = join(mkdtempSync(join(tmpdir(), 'plat-manifest-')), 'manifest.json');
      const file = open(path);
      for (const text of texts) file.write(text);
      const written = file.finish()();
      const expected = texts.join('');
      expect(readFileSync(path, 'utf8')).toBe(expected);
      expect(written.size).toBe(Buffer.byteLength(expected));
    });
  }
});
