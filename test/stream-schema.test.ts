import { describe, expect, it } from 'vitest';
import type { ManifestColumn } from '../framework/compile/manifest.js';
import { compileMessageCheck } from '../framework/stream/schema.js';

const column = (name: string, type: string, required: boolean): ManifestColumn => ({ name, type, description: '', required, tests: [] });

describe('dead-letter reasons', () => {
  const check = compileMessageCheck([column('equipment_id', 'VARCHAR', true), column('temperature', 'DOUBLE', false)]);

  it('says a required column is required when the message holds null for it', () => {
    expect(check({ equipment_id: null, temperature: 71.5 })).toBe('equipment_id: is required (got null)');
  });

  it('says which type a column takes when the message holds another', () => {
    expect(check({ equipment_id: 7, temperature: 71.5 })).toBe('equipment_id: must be string');
    expect(check({ equipment_id: 'CNC-A-102', temperature: 'hot' })).toBe('temperature: must be number');
    expect(check({ equipment_id: 'CNC-A-102', temperature: null })).toBeNull();
  });
});
