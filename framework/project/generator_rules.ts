import type { FieldSpec, GeneratorSpec, SeriesSpec } from './spec.js';

const KINDS = [
  'const',
  'sequence',
  'uuid',
  'int',
  'float',
  'choice',
  'timestamp',
  'trait',
  'when',
  'score',
  'bands',
  'entity',
  'time',
  'lifecycle',
  'signal',
  'anomaly',
] as const;
/** Kinds that only mean something in a time series of entities. */
const SERIES_KINDS = new Set(['entity', 'time', 'lifecycle', 'signal', 'anomaly']);

/** Problems that would stop generation, reported at compile time. */
export function checkGenerator(spec: GeneratorSpec): string[] {
  const problems: string[] = [];
  const declared: string[] = [];
  const series = spec.series;
  if (!series && spec.rows === undefined) problems.push('rows is required (how many rows to generate), unless the generator is a series');
  const needBefore = (name: string, other: string, role: string) => {
    if (!declared.includes(other)) problems.push(`field "${name}" ${role} "${other}", which must be declared before it`);
  };
  const check = (name: string, field: FieldSpec) => {
    if (field.trait) needBefore(name, field.trait.of, 'is a trait of');
    if (field.when !== undefined) needBefore(name, field.when, 'depends on');
    for (const c of Object.values(field.cases ?? {}).concat(field.else ? [field.else] : [])) check(name, c);
    if (field.int && field.int.min > field.int.max)
      problems.push(`field "${name}": int min ${field.int.min} is above max ${field.int.max}`);
    if (field.float && field.float.min > field.float.max) problems.push(`field "${name}": float min is above max`);
    if (field.timestamp && !field.timestamp.last && !(field.timestamp.start && field.timestamp.end)) {
      problems.push(`field "${name}": timestamp needs start and end, or last (e.g. last: 48h)`);
    }
    for (const term of field.score?.terms ?? []) {
      needBefore(name, term.field, 'scores');
      for (const limit of [term.above, term.below]) if (typeof limit === 'string') needBefore(name, limit, 'compares with');
    }
    if (field.bands) {
      needBefore(name, field.bands.of, 'bands');
      const cuts = Object.values(field.bands.cuts);
      if (cuts.some((cut, i) => i > 0 && cut <= cuts[i - 1]!))
        problems.push(`field "${name}": bands cuts must ascend (${cuts.join(', ')})`);
    }
    const kinds = KINDS.filter((k) => k in field);
    if (kinds.length !== 1)
      problems.push(`field "${name}" must have exactly one of ${KINDS.join(', ')} (has ${kinds.join(', ') || 'none'})`);
    const seriesKind = kinds.find((k) => SERIES_KINDS.has(k));
    if (seriesKind && !series) problems.push(`field "${name}": ${seriesKind} needs a series: (entities over time)`);
    if (series) checkSeriesField(name, field, series, problems);
  };
  for (const [name, field] of Object.entries(spec.fields)) {
    check(name, field);
    declared.push(name);
  }
  if (series) checkSeries(series, spec, problems);
  for (const name of spec.write ?? []) if (!(name in spec.fields)) problems.push(`write names "${name}", which is not a generated field`);
  for (const corruption of spec.corrupt ?? []) {
    for (const name of Object.keys(corruption.set ?? {})) {
      if (!(name in spec.fields)) problems.push(`corrupt "${corruption.name}" sets "${name}", which is not a generated field`);
    }
  }
  const share = (spec.corrupt ?? []).reduce((sum, c) => sum + c.share, 0);
  if (share > 1) problems.push(`corrupt shares add up to ${share}, more than 1`);
  return problems;
}

function checkSeriesField(name: string, field: FieldSpec, series: SeriesSpec, problems: string[]): void {
  if (field.entity?.attribute !== undefined && series.entities.file === undefined) {
    problems.push(`field "${name}": entity attributes come from an entities file (series.entities.file)`);
  }
  if (field.lifecycle && !series.lifecycle) problems.push(`field "${name}": lifecycle needs series.lifecycle`);
  if (field.lifecycle === 'event' && series.rows !== 'events')
    problems.push(`field "${name}": lifecycle: event needs event rows (series.rows: events)`);
  if (field.signal?.degrade && !series.lifecycle?.failures)
    problems.push(`field "${name}": degrade needs failures in series.lifecycle (it ramps up before each)`);
  if (field.signal && typeof field.signal.base === 'object' && 'attribute' in field.signal.base && series.entities.file === undefined) {
    problems.push(`field "${name}": a base attribute comes from an entities file (series.entities.file)`);
  }
  if (field.signal?.min !== undefined && field.signal.max !== undefined && field.signal.min > field.signal.max)
    problems.push(`field "${name}": signal min is above max`);
  if (field.anomaly && !series.anomalies) problems.push(`field "${name}": anomaly needs series.anomalies`);
}

function checkSeries(series: SeriesSpec, spec: GeneratorSpec, problems: string[]): void {
  const entities = series.entities;
  const given = (['count', 'list', 'file'] as const).filter((k) => entities[k] !== undefined);
  if (given.length !== 1) problems.push(`series.entities needs exactly one of count, list, file (has ${given.join(', ') || 'none'})`);
  if (entities.key !== undefined && entities.file === undefined) problems.push('series.entities.key names a column of an entities file');
  if (entities.prefix !== undefined && entities.count === undefined) problems.push('series.entities.prefix goes with count');
  const events = series.rows === 'events';
  if (!events && !series.every) problems.push('series needs every (the step between rows, e.g. every: 1m)');
  if (events && !series.lifecycle) problems.push('series rows: events needs a lifecycle (its events are the rows)');
  if (events && series.while) problems.push('series.while applies to steps, not to event rows');
  if (series.while && !series.lifecycle) problems.push('series.while needs a lifecycle (the states it names)');
  const span = series.start && series.end && !series.last ? 'ok' : series.last && !series.start ? 'ok' : null;
  if (!span) problems.push('series span: give start and end, end and last, or last alone (ending now)');
  if (series.start && series.end && Date.parse(series.start) >= Date.parse(series.end))
    problems.push('series start must be before its end');
  if (typeof series.lifecycle?.from === 'object' && entities.file === undefined)
    problems.push('series.lifecycle.from: an attribute comes from an entities file');
  const signals = new Set(
    Object.entries(spec.fields)
      .filter(([, f]) => f.signal)
      .map(([name]) => name),
  );
  const anomalies = series.anomalies;
  const faulty = [
    ...Object.keys(anomalies?.spike?.size ?? {}),
    ...Object.keys(anomalies?.drift?.size ?? {}),
    ...(anomalies?.stuck?.fields ?? []),
  ];
  for (const name of new Set(faulty)) if (!signals.has(name)) problems.push(`series.anomalies name "${name}", which is not a signal field`);
  const share = (anomalies?.spike?.share ?? 0) + (anomalies?.drift?.share ?? 0) + (anomalies?.stuck?.share ?? 0);
  if (share >= 1) problems.push(`series.anomalies shares add up to ${share}, which leaves no normal rows`);
}
