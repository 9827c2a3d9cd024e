/**
 * Every bench ends with one JSON line a machine can read:
 * {"bench":"<name>","figures":{…},"targets":{"<figure>":"<op> <value>",…},"met":true|false}
 * Targets are those of the issue that asked for the bench; a figure missing or not finite
 * counts as missed. Every line also carries the machine's speed (machine.ts) when the bench
 * started and when it ended: figures of different days, or of a run whose machine slowed
 * down meanwhile, compare only beside them.
 */
import { machineMs } from './machine.js';

// Only the benches' entry points import this module, before they start their work.
const machineAtStart = machineMs();

export type Target = `${'<=' | '>=' | '<' | '>' | '=='} ${number}`;

export function reportBench(bench: string, figures: Record<string, number | boolean>, targets: Record<string, Target>): boolean {
  const met = Object.entries(targets).every(([figure, target]) => targetMet(figures[figure], target));
  const machineAtEnd = machineMs();
  console.log(
    `machine reference (a fixed workload, bench/machine.ts; lower is faster): ${machineAtStart.toFixed(0)} ms at the start, ${machineAtEnd.toFixed(0)} ms at the end`,
  );
  const machine = { machine_start_ms: machineAtStart, machine_end_ms: machineAtEnd };
  const rounded = Object.fromEntries(Object.entries({ ...figures, ...machine }).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]));
  console.log(JSON.stringify({ bench, figures: rounded, targets, met }));
  return met;
}

export function targetMet(value: number | boolean | undefined, target: Target): boolean {
  const [op, text] = target.split(' ') as [string, string];
  const bound = Number(text);
  const figure = typeof value === 'boolean' ? Number(value) : value;
  if (figure === undefined || !Number.isFinite(figure)) return false;
  switch (op) {
    case '<=':
      return figure <= bound;
    case '>=':
      return figure >= bound;
    case '<':
      return figure < bound;
    case '>':
      return figure > bound;
    default:
      return figure === bound;
  }
}

function round(value: number): number {
  return Number.isInteger(value) ? value : Number(value.toPrecision(4));
}
