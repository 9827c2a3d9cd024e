/**
 * The factory example's figures computed here, in plain TypeScript, from the rows a build
 * landed, to check its SQL against: cleaning, OEE per machine and day, failure labels, health
 * status and quality rates. Written from the models' descriptions, not from their SQL.
 */
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface Reading {
  reading_id: string;
  equipment_id: string;
  ts: number;
  temperature: number;
  vibration: number;
}
export interface StatusEvent {
  event_id: string;
  equipment_id: string;
  ts: number;
  event_type: string;
  status: string;
}
export interface Batch {
  batch_id: string;
  equipment_id: string;
  ts: number;
  units_produced: number;
  defect_class: string;
}
export interface Machine {
  equipment_id: string;
  ideal_rate_per_hour: number;
  nominal_temperature: number;
  nominal_vibration: number;
}

type Raw = Record<string, unknown>;
const time = (v: unknown) => (v instanceof Date ? v.getTime() : Number.NaN);

/**
 * Staging's rules: a row breaking a rule is refused with the first one it breaks; of several
 * copies of an id, the first clean one (by time) is kept and the other clean ones are duplicates.
 */
export function clean<T>(
  raw: readonly Raw[],
  id: string,
  broken: (row: Raw) => string | null,
  keep: (row: Raw) => T,
): { rows: T[]; reasons: Map<string, number> } {
  const reasons = new Map<string, number>();
  const count = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  const kept = new Set<unknown>();
  const rows: T[] = [];
  const ordered = [...raw].sort((a, b) => time(a.ts) - time(b.ts));
  for (const row of ordered) {
    const reason = row[id] === null ? `null_${id}` : broken(row);
    if (reason) count(reason);
    else if (kept.has(row[id])) count('duplicate');
    else {
      kept.add(row[id]);
      rows.push(keep(row));
    }
  }
  return { rows, reasons };
}

export function readingRule(known: ReadonlySet<unknown>) {
  return (r: Raw) =>
    r.equipment_id === null
      ? 'null_equipment_id'
      : !known.has(r.equipment_id)
        ? 'unknown_equipment'
        : r.ts === null
          ? 'null_timestamp'
          : r.temperature === null || (r.temperature as number) < -40 || (r.temperature as number) > 400
            ? 'temperature_out_of_range'
            : r.vibration === null || (r.vibration as number) < 0
              ? 'negative_vibration'
              : null;
}

export function eventRule(known: ReadonlySet<unknown>) {
  return (r: Raw) =>
    r.equipment_id === null
      ? 'null_equipment_id'
      : !known.has(r.equipment_id)
        ? 'unknown_equipment'
        : r.ts === null
          ? 'null_timestamp'
          : !['start', 'stop', 'failure', 'repair', 'maintenance_start', 'maintenance_end'].includes(r.event_type as string)
            ? 'unknown_event_type'
            : !['running', 'idle', 'error', 'maintenance'].includes(r.status as string)
              ? 'unknown_status'
              : null;
}

export function batchRule(known: ReadonlySet<unknown>) {
  return (r: Raw) =>
    r.equipment_id === null
      ? 'null_equipment_id'
      : !known.has(r.equipment_id)
        ? 'unknown_equipment'
        : r.ts === null
          ? 'null_timestamp'
          : r.units_produced === null || (r.units_produced as number) < 0
            ? 'negative_units'
            : !['Good', 'Minor Defect', 'Major Defect', 'Reject'].includes(r.defect_class as string)
              ? 'unknown_defect_class'
              : null;
}

export const asReading = (r: Raw): Reading => ({
  reading_id: r.reading_id as string,
  equipment_id: r.equipment_id as string,
  ts: time(r.ts),
  temperature: r.temperature as number,
  vibration: r.vibration as number,
});
export const asEvent = (r: Raw): StatusEvent => ({
  event_id: r.event_id as string,
  equipment_id: r.equipment_id as string,
  ts: time(r.ts),
  event_type: r.event_type as string,
  status: r.status as string,
});
export const asBatch = (r: Raw): Batch => ({
  batch_id: r.batch_id as string,
  equipment_id: r.equipment_id as string,
  ts: time(r.ts),
  units_produced: r.units_produced as number,
  defect_class: r.defect_class as string,
});

/** From midnight of the first day with data in any stream to the newest time in any (as_of). */
export function dataWindow(...streams: readonly (readonly { ts: number }[])[]): { start: number; asOf: number } {
  const times = streams.flatMap((rows) => rows.map((r) => r.ts));
  const first = times.reduce((a, b) => Math.min(a, b));
  return { start: Math.floor(first / DAY) * DAY, asOf: times.reduce((a, b) => Math.max(a, b)) };
}

function byMachine<T extends { equipment_id: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const row of rows) {
    const own = out.get(row.equipment_id) ?? [];
    own.push(row);
    out.set(row.equipment_id, own);
  }
  return out;
}

/** State stretches from status events: each lasts until the next event; before the first, the state that event ends. */
export function stateIntervals(events: readonly StatusEvent[], window: { start: number; asOf: number }) {
  const before: Record<string, string> = { start: 'idle', repair: 'error', maintenance_end: 'maintenance' };
  const intervals: { equipment_id: string; state: string; from: number; to: number }[] = [];
  for (const [machine, own] of byMachine(events)) {
    own.sort((a, b) => a.ts - b.ts || (a.event_id < b.event_id ? -1 : 1));
    if (own[0]!.ts > window.start)
      intervals.push({ equipment_id: machine, state: before[own[0]!.event_type] ?? 'running', from: window.start, to: own[0]!.ts });
    for (const [i, e] of own.entries())
      intervals.push({ equipment_id: machine, state: e.status, from: e.ts, to: own[i + 1]?.ts ?? Math.max(window.asOf, e.ts) });
  }
  return intervals.filter((i) => i.to > i.from);
}

export interface DailyOee {
  running: number;
  observed: number;
  maintenance: number;
  batches: number;
  units: number;
  sellable: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
}

/** OEE per `machine@yyyymmdd`: availability × performance × quality, as fact_production_metrics describes it. */
export function dailyOee(
  events: readonly StatusEvent[],
  batches: readonly Batch[],
  machines: ReadonlyMap<string, Machine>,
  days: ReadonlySet<number>,
  window: { start: number; asOf: number },
): Map<string, DailyOee> {
  const out = new Map<string, DailyOee>();
  const keyOf = (machine: string, day: number) => `${machine}@${dateKey(day)}`;
  for (const i of stateIntervals(events, window)) {
    for (let day = Math.floor(i.from / DAY) * DAY; day < i.to; day += DAY) {
      if (!days.has(day)) continue;
      const seconds = Math.round((Math.min(i.to, day + DAY) - Math.max(i.from, day)) / 1000);
      const key = keyOf(i.equipment_id, day);
      const d = out.get(key) ?? {
        running: 0,
        observed: 0,
        maintenance: 0,
        batches: 0,
        units: 0,
        sellable: 0,
        availability: null,
        performance: null,
        quality: null,
        oee: null,
      };
      d.observed += seconds;
      if (i.state === 'running') d.running += seconds;
      if (i.state === 'maintenance') d.maintenance += seconds;
      out.set(key, d);
    }
  }
  for (const b of batches) {
    const d = out.get(keyOf(b.equipment_id, Math.floor(b.ts / DAY) * DAY));
    if (!d) continue;
    d.batches++;
    d.units += b.units_produced;
    if (b.defect_class === 'Good' || b.defect_class === 'Minor Defect') d.sellable += b.units_produced;
  }
  for (const [key, d] of out) {
    const machine = machines.get(key.split('@')[0]!)!;
    const planned = d.observed - d.maintenance;
    d.availability = planned > 0 ? d.running / planned : null;
    d.performance = d.batches > 0 ? d.units / (d.batches * machine.ideal_rate_per_hour) : null;
    d.quality = d.units > 0 ? d.sellable / d.units : null;
    d.oee = d.availability !== null && d.performance !== null && d.quality !== null ? d.availability * d.performance * d.quality : null;
  }
  return out;
}

export function dateKey(day: number): number {
  const d = new Date(day);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}

/** failure_within_7_days per `machine@hour` the machine ran: a failure in the 7 days after the hour ends. */
export function failureLabels(
  readings: readonly Reading[],
  events: readonly StatusEvent[],
  asOf: number,
): Map<string, { label: number; observed: boolean }> {
  const failures = byMachine(events.filter((e) => e.event_type === 'failure'));
  const out = new Map<string, { label: number; observed: boolean }>();
  for (const r of readings) {
    const hour = Math.floor(r.ts / HOUR) * HOUR;
    const key = `${r.equipment_id}@${hour}`;
    if (out.has(key)) continue;
    const snapshot = hour + HOUR;
    const next = Math.min(...(failures.get(r.equipment_id) ?? []).map((f) => f.ts).filter((t) => t > snapshot));
    const label = next <= snapshot + 7 * DAY ? 1 : 0;
    out.set(key, { label, observed: label === 1 || snapshot + 7 * DAY <= asOf });
  }
  return out;
}

/** mart_equipment_health's status from the last 24 hours' readings and the latest event. */
export function healthStatus(
  readings: readonly Reading[],
  events: readonly StatusEvent[],
  machines: ReadonlyMap<string, Machine>,
  asOf: number,
): Map<string, string> {
  const recent = byMachine(readings.filter((r) => r.ts > asOf - 24 * HOUR));
  const latest = new Map<string, StatusEvent>();
  for (const e of events) {
    const seen = latest.get(e.equipment_id);
    if (!seen || e.ts > seen.ts || (e.ts === seen.ts && e.event_id > seen.event_id)) latest.set(e.equipment_id, e);
  }
  const out = new Map<string, string>();
  for (const [id, machine] of machines) {
    const own = recent.get(id) ?? [];
    const mean = (f: (r: Reading) => number) => (own.length ? own.reduce((s, r) => s + f(r), 0) / own.length : null);
    const t = mean((r) => r.temperature);
    const v = mean((r) => r.vibration);
    const hotter = t === null ? null : t - machine.nominal_temperature;
    const rougher = v === null ? null : v / machine.nominal_vibration;
    const status = latest.get(id)?.status ?? 'running';
    out.set(
      id,
      status === 'error' || (hotter !== null && hotter > 5) || (rougher !== null && rougher > 1.5)
        ? 'Critical'
        : (hotter !== null && hotter > 3) || (rougher !== null && rougher > 1.25)
          ? 'Warning'
          : 'Normal',
    );
  }
  return out;
}

/** Defect rate, reject rate and first-pass yield per `machine@yyyymmdd`. */
export function qualityRates(
  batches: readonly Batch[],
): Map<string, { batches: number; defectRate: number; rejectRate: number; firstPassYield: number | null }> {
  const groups = new Map<string, Batch[]>();
  for (const b of batches) {
    const key = `${b.equipment_id}@${dateKey(Math.floor(b.ts / DAY) * DAY)}`;
    groups.set(key, [...(groups.get(key) ?? []), b]);
  }
  return new Map(
    [...groups].map(([key, own]) => {
      const units = own.reduce((s, b) => s + b.units_produced, 0);
      const sellable = own
        .filter((b) => b.defect_class === 'Good' || b.defect_class === 'Minor Defect')
        .reduce((s, b) => s + b.units_produced, 0);
      return [
        key,
        {
          batches: own.length,
          defectRate: own.filter((b) => b.defect_class !== 'Good').length / own.length,
          rejectRate: own.filter((b) => b.defect_class === 'Reject').length / own.length,
          firstPassYield: units > 0 ? sellable / units : null,
        },
      ];
    }),
  );
}
