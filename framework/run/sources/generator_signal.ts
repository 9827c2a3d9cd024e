import { parseDuration } from '../../core/duration.js';
import type { AnomaliesSpec, SignalSpec } from '../../project/spec.js';
import type { Entity } from './generator_entities.js';
import { uniform } from './generator_random.js';
import { round } from './generator_values.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** How much of its gap to the base a random walk closes per row: it wanders, but does not run away. */
const WALK_PULL = 0.001;

/**
 * One entity's numeric signal over time: a base (a number, an attribute of the entity, or drawn
 * per entity), daily and weekly cycles, a slowly wandering random walk, Gaussian noise per row,
 * and, as a failure approaches, `degrade`: + add and × times at full degradation (× applies to
 * the noise too, so a wearing bearing vibrates both harder and more erratically).
 */
export class Signal {
  private readonly base: number;
  private walk = 0;

  constructor(
    private readonly spec: SignalSpec,
    entity: Entity,
    field: string,
    random: () => number,
  ) {
    const base = spec.base;
    if (typeof base === 'number') this.base = base;
    else if ('attribute' in base) {
      const attribute = entity.attributes.get(base.attribute);
      if (typeof attribute !== 'number')
        throw new Error(`generator field "${field}": entity ${entity.key} has no numeric attribute "${base.attribute}"`);
      this.base = attribute;
    } else this.base = uniform(random, base.min, base.max);
    this.base *= spec.scale ?? 1;
  }

  /** The raw value at time t (anomalies and rounding come after); `normal` draws N(0, 1). */
  at(t: number, degradation: number, normal: () => number): number {
    const { spec } = this;
    let level = this.base;
    if (spec.daily) level += spec.daily.amplitude * Math.cos((2 * Math.PI * ((t % DAY) / HOUR - (spec.daily.peak ?? 14))) / 24);
    if (spec.weekly) level += spec.weekly.amplitude * Math.cos((2 * Math.PI * (isoWeekday(t) - (spec.weekly.peak ?? 3))) / 7);
    if (spec.walk) {
      this.walk = this.walk * (1 - WALK_PULL) + spec.walk * normal();
      level += this.walk;
    }
    if (spec.degrade?.add) level += spec.degrade.add * degradation;
    const noise = spec.noise ? spec.noise * normal() : 0;
    const factor = spec.degrade?.times ? 1 + (spec.degrade.times - 1) * degradation : 1;
    return (level + noise) * factor;
  }

  /** Clipped to the physical range and rounded as a sensor reports it. */
  finish(v: number): number {
    const { spec } = this;
    const clipped = Math.min(spec.max ?? Infinity, Math.max(spec.min ?? -Infinity, v));
    return round(clipped, spec.decimals ?? 2);
  }
}

/** Monday 1 … Sunday 7, with the fraction of the day (1970-01-01 was a Thursday). */
function isoWeekday(t: number): number {
  const days = t / DAY;
  return ((Math.floor(days) + 3) % 7) + 1 + (days - Math.floor(days));
}

export type AnomalyKind = 'none' | 'spike' | 'drift' | 'stuck';

interface Episode {
  kind: Exclude<AnomalyKind, 'none'>;
  field: string;
  rows: number;
  row: number;
  sign: number;
  size: number;
  held: number | null;
}

/**
 * Injects sensor faults into one entity's rows: a spike (one reading of one field off by ± size),
 * a drift (a field's readings pulled away linearly to ± size over `length`) and a stuck sensor
 * (a field repeating its last reading for `length`). `share` is the expected fraction of the
 * entity's rows inside each kind of episode: an episode of n rows starts, on a row outside any
 * episode, with probability share / (n × (1 − total share)).
 */
export class AnomalyInjector {
  private episode: Episode | null = null;
  private readonly last = new Map<string, number>();
  private readonly kinds: { kind: Episode['kind']; start: number; rows: number; fields: [string, number][] }[];

  constructor(
    spec: AnomaliesSpec,
    every: number,
    private readonly random: () => number,
  ) {
    const total = (spec.spike?.share ?? 0) + (spec.drift?.share ?? 0) + (spec.stuck?.share ?? 0);
    const rowsOf = (length: string) => Math.max(1, Math.round(parseDuration(length) / every));
    const kinds: AnomalyInjector['kinds'] = [];
    const add = (kind: Episode['kind'], share: number, rows: number, fields: [string, number][]) =>
      kinds.push({ kind, start: share / (rows * (1 - total)), rows, fields });
    if (spec.spike) add('spike', spec.spike.share, 1, Object.entries(spec.spike.size));
    if (spec.drift) add('drift', spec.drift.share, rowsOf(spec.drift.length), Object.entries(spec.drift.size));
    if (spec.stuck)
      add(
        'stuck',
        spec.stuck.share,
        rowsOf(spec.stuck.length),
        spec.stuck.fields.map((f) => [f, 0]),
      );
    this.kinds = kinds;
  }

  /** Moves to the next row: ends or continues the current episode, or maybe starts one. */
  next(): AnomalyKind {
    if (this.episode && ++this.episode.row >= this.episode.rows) this.episode = null;
    if (!this.episode) {
      let roll = this.random();
      for (const kind of this.kinds) {
        if (roll < kind.start) {
          const [field, size] = kind.fields[Math.floor(this.random() * kind.fields.length)]!;
          this.episode = {
            kind: kind.kind,
            field,
            rows: kind.rows,
            row: 0,
            sign: this.random() < 0.5 ? -1 : 1,
            size,
            held: this.last.get(field) ?? null,
          };
          break;
        }
        roll -= kind.start;
      }
    }
    return this.episode?.kind ?? 'none';
  }

  /** Before clipping: a spike's jump, a drift's pull. */
  shift(field: string, v: number): number {
    const e = this.episode;
    if (!e || e.field !== field) return v;
    if (e.kind === 'spike') return v + e.sign * e.size;
    if (e.kind === 'drift') return v + (e.sign * e.size * (e.row + 1)) / e.rows;
    return v;
  }

  /** After rounding: a stuck sensor repeats what it last reported. */
  hold(field: string, v: number): number {
    const e = this.episode;
    if (e?.kind === 'stuck' && e.field === field) {
      e.held ??= v;
      return e.held;
    }
    this.last.set(field, v);
    return v;
  }
}
