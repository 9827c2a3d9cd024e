import { parseDuration } from '../../core/duration.js';
import type { LifecycleEventName, LifecycleSpec, LifecycleState, Range } from '../../project/spec.js';
import { gamma, gaussian, streamOf, uniform } from './generator_random.js';

export interface LifecycleEvent {
  at: number;
  name: LifecycleEventName;
  /** The state the event puts the entity in. */
  state: LifecycleState;
}

/** The stretch between two resets (repair or maintenance). */
interface Cycle {
  from: number;
  /** When wear would make it fail: the degradation ramp ends here (Infinity without failures). */
  due: number;
  /** When it actually fails: `due`, or the next start when `due` fell in an idle stretch. */
  failAt: number;
  maintenanceDue: number;
  /** When it stopped running for good: its failure or its maintenance (Infinity while open). */
  to: number;
  /** How long before `due` its signals start to drift. */
  window: number;
}

export interface Timeline {
  from: number;
  events: LifecycleEvent[];
  cycles: Cycle[];
}

const MINUTE = 60_000;
const HOUR = 3_600_000;

/**
 * One entity's life from `from` to `end`, event by event: it runs, stops for idle stretches,
 * fails when its wear says so (a Weibull life since the last reset, shape > 1 making the hazard
 * grow with time since maintenance; each entity's scale spread by `spread`), is repaired, and is
 * maintained every so often, which resets its wear and so averts a failure that was coming.
 * A failure due while idle happens soon after the next start.
 *
 * The stream is seeded by the lifecycle's seed and the entity's key only, so every table that
 * declares the same lifecycle (sensor readings, status events, quality batches, and a script
 * writing the history before the window) sees the same failures and maintenance.
 */
export function simulateLifecycle(spec: LifecycleSpec, key: string, seed: number, from: number, end: number): Timeline {
  const random = streamOf(spec.seed ?? seed, 'lifecycle', key);
  const seconds = (t: number) => Math.round(t / 1000) * 1000;
  const draw = (range: Range) => uniform(random, parseDuration(range.min), parseDuration(range.max));
  const failures = spec.failures;
  const shape = failures?.shape ?? 2;
  const spread = failures?.spread ?? 0;
  // Each entity's own reliability: a log-normal factor with mean 1 on the Weibull scale.
  const scale = failures
    ? (parseDuration(failures.mtbf) / gamma(1 + 1 / shape)) * Math.exp(spread * gaussian(random) - (spread * spread) / 2)
    : Infinity;
  const idleEvery = spec.idle ? parseDuration(spec.idle.every) : Infinity;
  const nextStopAfter = (t: number) => (spec.idle ? seconds(t - idleEvery * Math.log(1 - random())) : Infinity);

  const events: LifecycleEvent[] = [];
  const cycles: Cycle[] = [];
  const degradation = failures?.degradation;
  const newCycle = (t: number): Cycle => {
    const due = failures ? seconds(t + scale * (-Math.log(1 - random())) ** (1 / shape)) : Infinity;
    const window = degradation === undefined ? 0 : typeof degradation === 'string' ? parseDuration(degradation) : draw(degradation);
    const jitter = spec.maintenance?.jitter ? parseDuration(spec.maintenance.jitter) : 0;
    const maintenanceDue = spec.maintenance ? seconds(t + parseDuration(spec.maintenance.every) + jitter * (2 * random() - 1)) : Infinity;
    const cycle = { from: t, due, failAt: due, maintenanceDue, to: Infinity, window };
    cycles.push(cycle);
    return cycle;
  };

  let t = from;
  let state: LifecycleState = 'running';
  let cycle = newCycle(t);
  let nextStop = nextStopAfter(t);
  let until = Infinity;
  const emit = (name: LifecycleEventName, next: LifecycleState) => {
    events.push({ at: t, name, state: next });
    state = next;
  };
  while (t < end) {
    if (state === 'running') {
      const next = Math.min(cycle.failAt, cycle.maintenanceDue, nextStop);
      if (next >= end) break;
      t = next;
      if (next === cycle.failAt) {
        emit('failure', 'error');
        cycle.to = t;
        until = seconds(t + draw(failures!.repair));
      } else if (next === cycle.maintenanceDue) {
        emit('maintenance_start', 'maintenance');
        cycle.to = t;
        until = seconds(t + draw(spec.maintenance!.duration));
      } else {
        emit('stop', 'idle');
        until = seconds(t + draw(spec.idle!.duration));
      }
    } else if (state === 'idle') {
      const next = Math.min(cycle.maintenanceDue, until);
      if (next >= end) break;
      t = next;
      if (next === cycle.maintenanceDue) {
        emit('maintenance_start', 'maintenance');
        cycle.to = t;
        until = seconds(t + draw(spec.maintenance!.duration));
      } else {
        emit('start', 'running');
        nextStop = nextStopAfter(t);
        // Worn out while standing still: it gives way shortly after it starts again.
        if (cycle.failAt < t) cycle.failAt = seconds(t + uniform(random, MINUTE, 30 * MINUTE));
      }
    } else {
      if (until >= end) break;
      t = until;
      emit(state === 'error' ? 'repair' : 'maintenance_end', 'running');
      cycle = newCycle(t);
      nextStop = nextStopAfter(t);
    }
  }
  return { from, events, cycles };
}

/**
 * Reads a timeline at increasing times (rows come in time order), each read moving two indexes
 * forward instead of searching. A time before the lifecycle began has no state: no rows then.
 */
export class TimelineCursor {
  private event = -1;
  private cycle = 0;

  constructor(private readonly timeline: Timeline) {}

  private seek(t: number): void {
    const { events, cycles } = this.timeline;
    while (this.event + 1 < events.length && events[this.event + 1]!.at <= t) this.event++;
    while (this.cycle + 1 < cycles.length && cycles[this.cycle + 1]!.from <= t) this.cycle++;
  }

  state(t: number): LifecycleState | null {
    if (t < this.timeline.from) return null;
    this.seek(t);
    return this.event === -1 ? 'running' : this.timeline.events[this.event]!.state;
  }

  /** 0 until the window before the due failure, then linearly to 1 at it; held while down. */
  degradation(t: number): number {
    if (t < this.timeline.from) return 0;
    this.seek(t);
    const cycle = this.timeline.cycles[this.cycle]!;
    if (!Number.isFinite(cycle.due) || cycle.window <= 0) return 0;
    // A cycle shorter than the window degrades from its start, faster.
    const rampStart = Math.max(cycle.from, cycle.due - cycle.window);
    const progress = (Math.min(t, cycle.to) - rampStart) / (cycle.due - rampStart);
    return progress <= 0 ? 0 : Math.min(progress, 1);
  }

  hoursSinceReset(t: number): number {
    if (t < this.timeline.from) return 0;
    this.seek(t);
    return (t - this.timeline.cycles[this.cycle]!.from) / HOUR;
  }
}
