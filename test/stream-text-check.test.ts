import { describe, expect, it } from 'vitest';
import type { ManifestColumn } from '../framework/compile/manifest.js';
import { compileMessageCheck } from '../framework/stream/schema.js';
import { compileTextCheck, compileTextMatch } from '../framework/stream/text_check.js';

const column = (name: string, type: string, required = false): ManifestColumn => ({ name, type, description: '', required, tests: [] });

const columns = [
  column('user_id', 'INTEGER', true),
  column('qty', 'TINYINT'),
  column('units', 'UBIGINT'),
  column('event_type', 'VARCHAR', true),
  column('price', 'DOUBLE'),
  column('amount', 'DECIMAL(5,2)'),
  column('ratio', 'DECIMAL(3,3)'),
  column('weight', 'FLOAT'),
  column('ok', 'BOOLEAN'),
  column('day', 'DATE'),
  column('at', 'TIMESTAMP'),
  column('clock', 'TIME'),
  column('id', 'UUID'),
  column('a.b', 'VARCHAR'),
];

/** What the check said before the scan existed: JSON.parse, then ajv on the object. */
function parsedCheck(cols: readonly ManifestColumn[]) {
  const check = compileMessageCheck(cols);
  return (raw: string): string | null => {
    if (raw === '') return 'empty message';
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch (error) {
      return `not JSON: ${(error as Error).message}`;
    }
    if (data === null || typeof data !== 'object' || Array.isArray(data)) return 'not a JSON object';
    return check(data);
  };
}

const messages = [
  '{"user_id":1,"event_type":"view"}',
  ' {\n\t"user_id" : 1 ,\r\n "event_type" : "view" } ',
  '{"user_id":-2147483648,"event_type":"view"}',
  '{"user_id":2147483647,"event_type":"view"}',
  '{"user_id":2147483648,"event_type":"view"}',
  '{"user_id":999999999,"event_type":"view"}',
  '{"user_id":5.0,"event_type":"view"}',
  '{"user_id":1e2,"event_type":"view"}',
  '{"user_id":1.5,"event_type":"view"}',
  '{"user_id":01,"event_type":"view"}',
  '{"user_id":-0,"event_type":"view"}',
  '{"user_id":-,"event_type":"view"}',
  '{"user_id":"1","event_type":"view"}',
  '{"user_id":null,"event_type":"view"}',
  '{"event_type":"view"}',
  '{"user_id":1}',
  '{}',
  '[]',
  '"text"',
  '42',
  'null',
  '',
  'not json',
  '{"user_id":1,"event_type":"view"',
  '{"user_id":1,"event_type":"view"}}',
  '{"user_id":1,"event_type":"view",}',
  '{"user_id":1 "event_type":"view"}',
  '{"user_id":1,"event_type":"vi\\"ew"}',
  '{"user_id":1,"event_type":"vi\\u00e9w"}',
  '{"user_id":1,"event_type":"vi\\u00zzw"}',
  '{"user_id":1,"event_type":"vi\\xew"}',
  '{"user_id":1,"event_type":"vi\tew"}',
  '{"user_id":1,"event_type":"caf\u00e9 \u{1F600}"}',
  '{"user_id":1,"event_type":"view","user_id":"x"}',
  '{"user_id":"x","event_type":"view","user_id":1}',
  '{"user_id":1,"event_type":"view","event_type":null}',
  '{"user_\\u0069d":1,"event_type":"view"}',
  '{"user_id":1,"event_type":"view","extra":{"nested":[1,2,{"x":null}]}}',
  '{"user_id":1,"event_type":"view","extra":[1,2',
  '{"user_id":1,"event_type":"view","extra":1e400}',
  '{"user_id":1,"event_type":"view","extra":-1.5E+3}',
  '{"user_id":1,"event_type":"view","extra":true,"more":false,"none":null}',
  '{"user_id":1,"event_type":"view","ex\\"tra":1}',
  '{"user_id":1,"event_type":"view","\\"user_id\\"":1}',
  '{"x":"\\"user_id\\"","event_type":"view","user_id":1}',
  '{"x":"user_id","event_type":"view"}',
  '{"qty":127,"user_id":1,"event_type":"view"}',
  '{"qty":128,"user_id":1,"event_type":"view"}',
  '{"qty":-128,"user_id":1,"event_type":"view"}',
  '{"units":-1,"user_id":1,"event_type":"view"}',
  '{"units":-0,"user_id":1,"event_type":"view"}',
  '{"units":18446744073709551615,"user_id":1,"event_type":"view"}',
  '{"price":1e400,"user_id":1,"event_type":"view"}',
  '{"price":-12.5,"user_id":1,"event_type":"view"}',
  `{"price":1${'0'.repeat(320)},"user_id":1,"event_type":"view"}`,
  '{"price":"12","user_id":1,"event_type":"view"}',
  '{"amount":999.99,"user_id":1,"event_type":"view"}',
  '{"amount":999.995,"user_id":1,"event_type":"view"}',
  '{"amount":99.999,"user_id":1,"event_type":"view"}',
  '{"amount":-999.994,"user_id":1,"event_type":"view"}',
  '{"ratio":0.999,"user_id":1,"event_type":"view"}',
  '{"ratio":0.9996,"user_id":1,"event_type":"view"}',
  '{"weight":3.5e38,"user_id":1,"event_type":"view"}',
  '{"weight":340282346638528860000000000000000000000,"user_id":1,"event_type":"view"}',
  '{"ok":true,"user_id":1,"event_type":"view"}',
  '{"ok":"true","user_id":1,"event_type":"view"}',
  '{"ok":tru,"user_id":1,"event_type":"view"}',
  '{"day":"2026-11-30","user_id":1,"event_type":"view"}',
  '{"day":"2026-11-30T10:00","user_id":1,"event_type":"view"}',
  '{"day":"2026-1\\u0031-30","user_id":1,"event_type":"view"}',
  '{"at":"2026-11-30t10:00:00.123z","user_id":1,"event_type":"view"}',
  '{"at":"2026-11-30 10:00:00+01:00","user_id":1,"event_type":"view"}',
  '{"at":"2026-11-30X10:00","user_id":1,"event_type":"view"}',
  '{"clock":"10:00:00.5","user_id":1,"event_type":"view"}',
  '{"clock":"10h","user_id":1,"event_type":"view"}',
  '{"id":"not-a-uuid","user_id":1,"event_type":"view"}',
  '{"a.b":"x","user_id":1,"event_type":"view"}',
  '{"aXb":"x","user_id":1,"event_type":"view"}',
  '{"a.b":1,"user_id":1,"event_type":"view"}',
];

/** Small random edits of valid messages: deletions, insertions and replacements of the characters JSON is made of. */
function mutations(count: number): string[] {
  const alphabet = '{}[]",:\\ .-+eE0123456789tfnul\t\nabxyz_';
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const bases = messages.filter((m) => parsedCheck(columns)(m) === null);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = bases[random(bases.length)]!;
    for (let edits = 1 + random(3); edits > 0; edits--) {
      const at = random(text.length + 1);
      const char = alphabet[random(alphabet.length)]!;
      const kind = random(3);
      text = text.slice(0, at) + (kind === 1 ? '' : char) + text.slice(kind === 0 ? at : at + 1);
    }
    out.push(text);
  }
  return out;
}

describe('the scan of a message text', () => {
  const check = compileTextCheck(columns);
  const match = compileTextMatch(columns)!;
  const expected = parsedCheck(columns);

  it('settles plain valid messages without parsing them', () => {
    expect(match('{"user_id":3109,"event_type":"cart","price":0,"at":"2026-12-01T21:50:05.030Z","extra":[1]}')).toBe(false);
    expect(match('{"user_id":3109,"event_type":"cart","price":0,"at":"2026-12-01T21:50:05.030Z","ok":null}')).toBe(true);
    expect(match(' { "event_type" : "caf\\u00e9", "user_id" : -7, "amount": 12.5, "qty": 3 } ')).toBe(true);
  });

  it('gives the same answer as JSON.parse and the schema check, for every message', () => {
    const all = [...messages, ...mutations(20_000)];
    const differ = all.filter((m) => check(m) !== expected(m));
    expect(differ).toEqual([]);
    // Every match is a message the full check accepts.
    expect(all.filter((m) => match(m) && expected(m) !== null)).toEqual([]);
    // And the scan settles many of them itself, or the comparison says little.
    expect(all.filter((m) => match(m)).length).toBeGreaterThan(1000);
  });

  it('finds a required column by its key, not by a value or another key that holds its name', () => {
    expect(match('{"x":"user_id","event_type":"view","user_id":1}')).toBe(false);
    expect(check('{"x":"user_id","event_type":"view","user_id":1}')).toBeNull();
    expect(match('{"x":"\\"user_id\\"","event_type":"view","user_id":1}')).toBe(true);
    expect(check('{"x":"\\"user_id\\":1","event_type":"view"}')).toBe('missing required field user_id');
    expect(check('{"a\\"user_id":1,"event_type":"view"}')).toBe('missing required field user_id');
  });

  it('is not used where a column name needs escaping in JSON', () => {
    expect(compileTextMatch([column('say "hi"', 'VARCHAR')])).toBeNull();
    const check = compileTextCheck([column('say "hi"', 'VARCHAR', true)]);
    expect(check('{"say \\"hi\\"":"x"}')).toBeNull();
    expect(check('{"say":"x"}')).toBe('missing required field say "hi"');
  });
});

describe('columns named like properties every object inherits', () => {
  it('takes a message without them (they were read from the prototype)', () => {
    const check = compileMessageCheck([column('constructor', 'VARCHAR'), column('toString', 'INTEGER')]);
    expect(check({})).toBeNull();
    expect(check({ constructor: 'x', toString: 3 })).toBeNull();
    expect(check(JSON.parse('{"constructor":3}'))).toBe('constructor: must be string');
    expect(compileTextCheck([column('valueOf', 'DOUBLE', true)])('{"x":1}')).toBe('missing required field valueOf');
  });
});
