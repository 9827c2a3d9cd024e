/** Where a file stops being UTF-8: its first invalid byte, 1-based line and column (in characters). */
export interface InvalidUtf8 {
  line: number;
  column: number;
  byte: number;
}

export interface DecodedText {
  text: string;
  invalid: InvalidUtf8 | null;
}

const strict = new TextDecoder('utf-8', { fatal: true });
// Both decoders drop a leading byte order mark, which editors on Windows like to write.
const lenient = new TextDecoder('utf-8');

/**
 * Project files are UTF-8. A file that is not still decodes (with U+FFFD for the bad bytes, so
 * the rest of the project compiles as usual) and says where its first invalid byte is, for the
 * diagnostic: silently stored U+FFFD would corrupt string literals in the warehouse.
 */
export function decodeUtf8(bytes: Uint8Array): DecodedText {
  try {
    return { text: strict.decode(bytes), invalid: null };
  } catch {
    const at = firstInvalidByte(bytes);
    const lines = lenient.decode(bytes.subarray(0, at)).split('\n');
    const column = [...lines[lines.length - 1]!].length + 1;
    return { text: lenient.decode(bytes), invalid: { line: lines.length, column, byte: bytes[at]! } };
  }
}

/** The start of the first ill-formed sequence (Unicode table 3-7, well-formed UTF-8 byte sequences). */
function firstInvalidByte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    const [length, low, high] = sequence(lead);
    if (length === 0) return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return bytes.length - 1;
}

/** A lead byte's sequence length and the range its second byte must fall in; length 0: never valid. */
function sequence(lead: number): [number, number, number] {
  if (lead >= 0xc2 && lead <= 0xdf) return [2, 0x80, 0xbf];
  if (lead === 0xe0) return [3, 0xa0, 0xbf];
  if (lead === 0xed) return [3, 0x80, 0x9f];
  if (lead >= 0xe1 && lead <= 0xef) return [3, 0x80, 0xbf];
  if (lead === 0xf0) return [4, 0x90, 0xbf];
  if (lead >= 0xf1 && lead <= 0xf3) return [4, 0x80, 0xbf];
  if (lead === 0xf4) return [4, 0x80, 0x8f];
  return [0, 0, 0];
}
