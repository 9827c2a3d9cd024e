import type { FieldSpec, GeneratorSpec } from './spec.js';

/** Problems that would stop generation, reported at compile time. */
export function checkGenerator(spec: GeneratorSpec): string[] {
  const problems: string[] = [];
  const declared: string[] = [];
  const check = (name: string, field: FieldSpec) => {
    if (field.trait && !declared.includes(field.trait.of)) problems.push(`field "${name}" is a trait of "${field.trait.of}", which must be declared before it`);
    if (field.when !== undefined && !declared.includes(field.when)) {
      problems.push(`field "${name}" depends on "${field.when}", which must be declared before it`);
    }
    if (field.int && field.int.min > field.int.max) problems.push(`field "${name}": int min ${field.int.min} is above max ${field.int.max}`);
    if (field.float && field.float.min > field.float.max) problems.push(`field "${name}": float min is above max`);
    if (field.timestamp && !field.timestamp.last && !(field.timestamp.start && field.timestamp.end)) {
      problems.push(`field "${name}": timestamp needs start and end, or last (e.g. last: 48h)`);
    }
    const kinds = ['const', 'sequence', 'uuid', 'int', 'float', 'choice', 'timestamp', 'trait', 'when'].filter((k) => k in field);
    if (kinds.length !== 1) problems.push(`field "${name}" must have exactly one of const, sequence, uuid, int, float, choice, timestamp, trait, when (has ${kinds.join(', ') || 'none'})`);
  };
  for (const [name, field] of Object.entries(spec.fields)) {
    check(name, field);
    declared.push(name);
  }
  for (const corruption of spec.corrupt ?? []) {
    for (const name of Object.keys(corruption.set ?? {})) {
      if (!(name in spec.fields)) problems.push(`corrupt "${corruption.name}" sets "${name}", which is not a generated field`);
    }
  }
  const share = (spec.corrupt ?? []).reduce((sum, c) => sum + c.share, 0);
  if (share > 1) problems.push(`corrupt shares add up to ${share}, more than 1`);
  return problems;
}
