import { parseDuration } from '../../core/duration.js';
import type { FieldSpec, GeneratorSpec, SeriesSpec } from '../../project/spec.js';
import { loadEntities, type Entity } from './generator_entities.js';
import { simulateLifecycle, TimelineCursor, type LifecycleEvent, type Timeline } from './generator_lifecycle.js';
import { gaussians, streamOf } from './generator_random.js';
import { AnomalyInjector, Signal, type AnomalyKind } from './generator_signal.js';
import { garble, round, value, writtenFields, type Value, type ValueContext } from './generator_values.js';

export interface SeriesRun {
  now: Date;
  rowSeed: number;
  root: string;
  injected: Map<string, number>;
}

/** One entity's generation state: its streams, lifecycle, signals and anomaly episode. */
interface EntityState {
  entity: Entity;
  random: () => number;
  /** N(0, 1) draws from `random`, for the signals' noise and walks. */
  normal: () => number;
  timeline: Timeline | null;
  cursor: TimelineCursor | null;
  /** Per field (by position), its signal for this entity. */
  signals: (Signal | null)[];
  anomalies: AnomalyInjector | null;
  anomaly: AnomalyKind;
}

interface RowAt {
  state: EntityState;
  t: number;
  event: LifecycleEvent | null;
  index: number;
  /** The entity's degradation at t (0 without a lifecycle). */
  degradation: number;
}

type Evaluate = (row: Record<string, Value>, at: RowAt) => Value;

/**
 * Time series per entity. Steps: every `every` over the span, one row per entity (while it is
 * in one of the `while` states), rows in time order across entities as a plant's sensors would
 * send them. Events: one row per lifecycle event in the span. Each entity draws from streams of
 * its own (fields, signal bases, anomalies) and bad rows from another, so the same spec and seed
 * give the same rows, and a table declaring the same fields without bad rows (a labels table)
 * gives the same values for them.
 */
export function* seriesRows(spec: GeneratorSpec, series: SeriesSpec, run: SeriesRun): Generator<unknown[]> {
  const every = series.every ? parseDuration(series.every) : 0;
  const end = series.end ? Date.parse(series.end) : run.now.getTime();
  let start = series.start ? Date.parse(series.start) : end - parseDuration(series.last!);
  if (!series.start && every > 0) start = Math.ceil(start / every) * every;

  const lifecycle = series.lifecycle;
  const fieldList = Object.entries(spec.fields);
  const states: EntityState[] = loadEntities(series.entities, run.root).map((entity) => {
    const from = lifecycle ? lifecycleStart(lifecycle.from, entity, start) : start;
    const timeline = lifecycle ? simulateLifecycle(lifecycle, entity.key, spec.seed ?? 42, from, end) : null;
    const random = streamOf(run.rowSeed, 'fields', entity.key);
    return {
      entity,
      random,
      normal: gaussians(random),
      timeline,
      cursor: timeline ? new TimelineCursor(timeline) : null,
      // Each signal's base is drawn from the spec's seed, so an entity keeps it across producer runs.
      signals: fieldList.map(([name, field]) =>
        field.signal ? new Signal(field.signal, entity, name, streamOf(spec.seed ?? 42, 'base', entity.key, name)) : null,
      ),
      anomalies: series.anomalies ? new AnomalyInjector(series.anomalies, every, streamOf(run.rowSeed, 'anomalies', entity.key)) : null,
      anomaly: 'none',
    };
  });

  const context: ValueContext = { seed: spec.seed ?? 42, now: run.now, traits: new Map() };
  const fields = fieldList.map(([name, field], position) => [name, compile(name, field, position, context)] as const);
  const written = writtenFields(spec);
  const corruptRandom = streamOf(run.rowSeed, 'corrupt');
  const corruptions = spec.corrupt ?? [];
  const limit = spec.rows ?? Number.POSITIVE_INFINITY;
  const recent: Value[][] = [];
  let index = 0;
  const at: RowAt = { state: states[0]!, t: start, event: null, index: 0, degradation: 0 };
  const row: Record<string, Value> = {};

  /** A resent copy of a recent row, to be written before the row `emit` returns. */
  let resent: Value[] | null = null;

  /** One row, as written (and maybe a resend in `resent`). */
  function emit(state: EntityState, t: number, event: LifecycleEvent | null): Value[] {
    let corruption = null;
    let roll = corruptRandom();
    for (const candidate of corruptions) {
      if (roll < candidate.share) {
        corruption = candidate;
        break;
      }
      roll -= candidate.share;
    }
    // A resend comes before the row it was drawn for, not instead of it: a status stream must
    // not lose a state change, nor a sensor stream a reading, to a retrying gateway.
    if (corruption?.duplicate && recent.length > 0) {
      run.injected.set(corruption.name, (run.injected.get(corruption.name) ?? 0) + 1);
      const copy = recent[Math.floor(corruptRandom() * recent.length)]!;
      resent = corruption.set ? garble(copy, written, corruption.set, index, corruptRandom, context) : copy;
      index++;
      corruption = null;
    }
    if (state.anomalies) state.anomaly = state.anomalies.next();
    // One `at` and one row record for all rows: fields read only earlier fields of the same row,
    // and only `out` outlives the row.
    at.state = state;
    at.t = t;
    at.event = event;
    at.index = index;
    at.degradation = state.cursor ? state.cursor.degradation(t) : 0;
    for (const [name, evaluate] of fields) row[name] = evaluate(row, at);
    if (corruption?.set) {
      for (const [name, field] of Object.entries(corruption.set))
        row[name] = field === null ? null : value(field, name, row, index, corruptRandom, context);
    }
    if (corruption) run.injected.set(corruption.name, (run.injected.get(corruption.name) ?? 0) + 1);
    const out = written.map((name) => row[name]!);
    if (recent.length < 1000) recent.push(out);
    else recent[index % 1000] = out;
    index++;
    return out;
  }

  if ((series.rows ?? 'steps') === 'events') {
    const events = states.flatMap((state) =>
      (state.timeline?.events ?? []).filter((e) => e.at >= start && e.at < end).map((event) => ({ state, event })),
    );
    events.sort((a, b) => a.event.at - b.event.at);
    for (const { state, event } of events) {
      if (index >= limit) return;
      const out = emit(state, event.at, event);
      if (resent) yield resent;
      resent = null;
      if (index <= limit) yield out;
    }
    return;
  }
  const allowed = series.while ? new Set<string>(series.while) : null;
  for (let t = start; t < end; t += every) {
    for (const state of states) {
      if (index >= limit) return;
      const now = state.cursor ? state.cursor.state(t) : 'running';
      if (now === null || (allowed && !allowed.has(now))) continue;
      const out = emit(state, t, null);
      if (resent) yield resent;
      resent = null;
      if (index <= limit) yield out;
    }
  }
}

function lifecycleStart(from: NonNullable<SeriesSpec['lifecycle']>['from'], entity: Entity, start: number): number {
  if (from === undefined) return start;
  if (typeof from === 'string') return Date.parse(from);
  const attribute = entity.attributes.get(from.attribute);
  const t = typeof attribute === 'string' ? Date.parse(attribute) : Number.NaN;
  if (Number.isNaN(t))
    throw new Error(`generator lifecycle: entity ${entity.key} has no date in attribute "${from.attribute}" (got ${String(attribute)})`);
  return t;
}

/** Each field becomes a function of the row so far and where the row is (entity, time, event). */
function compile(name: string, field: FieldSpec, position: number, context: ValueContext): Evaluate {
  if (field.entity) {
    const attribute = field.entity.attribute;
    return attribute === undefined ? (_, at) => at.state.entity.key : (_, at) => at.state.entity.attributes.get(attribute) ?? null;
  }
  if (field.time) {
    const jitter = field.time.jitter ? parseDuration(field.time.jitter) : 0;
    const format = isoFormatter();
    return (_, at) => format(jitter ? at.t + Math.floor(at.state.random() * jitter) : at.t);
  }
  if (field.lifecycle) {
    const what = field.lifecycle;
    return (_, at) => {
      const cursor = at.state.cursor;
      if (what === 'event') return at.event?.name ?? null;
      if (what === 'state') return at.event?.state ?? cursor?.state(at.t) ?? 'running';
      if (what === 'degradation') return round(at.degradation, 4);
      return round(cursor?.hoursSinceReset(at.t) ?? 0, 3);
    };
  }
  if (field.signal) {
    const degrades = field.signal.degrade !== undefined;
    return (_, at) => {
      const { state } = at;
      const signal = state.signals[position]!;
      let v = signal.at(at.t, degrades ? at.degradation : 0, state.normal);
      if (state.anomalies) v = state.anomalies.shift(name, v);
      v = signal.finish(v);
      return state.anomalies ? state.anomalies.hold(name, v) : v;
    };
  }
  if (field.anomaly) return (_, at) => at.state.anomaly;
  if (field.when !== undefined) {
    const on = field.when;
    const cases = new Map(Object.entries(field.cases ?? {}).map(([key, spec]) => [key, compile(name, spec, position, context)]));
    const otherwise = field.else ? compile(name, field.else, position, context) : null;
    return (row, at) => (cases.get(String(row[on])) ?? otherwise)?.(row, at) ?? null;
  }
  return (row, at) => value(field, name, row, at.index, at.state.random, context);
}

/**
 * ISO-8601 text of a time (as Date.toISOString writes it), the date part kept per day: a series
 * writes hundreds of thousands of times, and building a Date for each costs more than the rest
 * of the row.
 */
function isoFormatter(): (t: number) => string {
  let day = Number.NaN;
  let prefix = '';
  const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
  return (t) => {
    const d = Math.floor(t / 86_400_000);
    if (d !== day) {
      day = d;
      prefix = new Date(d * 86_400_000).toISOString().slice(0, 11);
    }
    const ms = t - d * 86_400_000;
    const millis = ms % 1000;
    const seconds = Math.floor(ms / 1000);
    return `${prefix}${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.${millis < 10 ? `00${millis}` : millis < 100 ? `0${millis}` : millis}Z`;
  };
}
