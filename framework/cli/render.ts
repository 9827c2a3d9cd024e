import pc from 'picocolors';
import type { IngestProgress, RunEvent, NodeResult, RunResults } from '../run/results.js';
import { errorLocation } from '../run/results.js';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics.js';
import { formatTable } from './table.js';
import { countKinds, lineLabel } from '../compile/kinds.js';
import { counted } from '../core/plural.js';
import type { FreshnessResult } from '../quality/freshness.js';
import type { MicroBatch } from '../stream/loop.js';

/** picocolors already honours NO_COLOR and FORCE_COLOR and turns colour off when not a TTY. */
const colors = pc;
const LINE_WIDTH = 78;

export type Write = (line: string) => void;

export function renderRunEvent(event: RunEvent, write: Write, progress?: { update(p: IngestProgress): void; done(): void }): void {
  if (event.type !== 'ingest_progress') progress?.done();
  switch (event.type) {
    case 'ingest_progress':
      progress?.update(event.progress);
      return;
    case 'run_started':
      write(
        `${colors.bold(`plat ${event.command}`)}: ${counted(event.total, 'node')} (${countKinds(event.counts) || 'none'}) on ${event.database}, ${counted(event.threads, 'thread')}`,
      );
      return;
    case 'note':
      write(colors.cyan(`note: ${event.message}`));
      return;
    case 'node_started':
      return;
    case 'node_finished':
      // Reused nodes did nothing; the summary counts them rather than listing a line each.
      if (event.result.reused) return;
      write(nodeLine(event.index, event.total, event.result));
      for (const line of testDetails(event.result)) write(line);
      if (event.result.error) {
        const where = event.result.error.file ? `${errorLocation(event.result.error)}: ` : '';
        for (const [i, line] of `${where}${event.result.error.message}`.split('\n').entries())
          write(`      ${i === 0 ? colors.red(line) : line}`);
        if (event.result.error.hint) write(`      ${colors.dim(`hint: ${event.result.error.hint}`)}`);
      }
      return;
    case 'node_retrying':
      write(
        colors.yellow(
          `      retry ${event.name}: attempt ${event.attempt} failed (${event.error.message}); attempt ${event.attempt + 1} in ${seconds(event.wait / 1000)}`,
        ),
      );
      return;
    case 'run_finished':
      for (const line of summary(event.results)) write(line);
      return;
  }
}

function nodeLine(index: number, total: number, result: NodeResult): string {
  const width = String(total).length;
  const counter = `${String(index).padStart(width)} of ${total}`;
  const status = {
    success: colors.green('OK   '),
    pass: colors.green('PASS '),
    warn: colors.yellow('WARN '),
    fail: colors.red('FAIL '),
    error: colors.red('ERROR'),
    skipped: colors.yellow('SKIP '),
  }[result.status];
  const label = `${lineLabel(result.kind, result.action)} ${result.relation ?? result.name}`;
  const strategy = incrementalStrategy(result);
  const rows =
    result.rows === null
      ? result.action
      : `${counted(result.rows, 'row')}${strategy ? ` ${strategy === 'append' ? 'appended' : strategy === 'merge' ? 'merged' : 'replaced'}` : ''}`;
  const detail =
    result.status === 'skipped'
      ? `skipped: upstream ${result.skippedBecause} failed`
      : result.status === 'error'
        ? `in ${seconds(result.executionTime)}`
        : result.action === 'inlined'
          ? 'inlined'
          : result.kind === 'ml_train'
            ? `${result.action.split(':')[0]} in ${seconds(result.executionTime)}`
            : result.kind === 'test'
              ? `${result.failures ? `${counted(result.failures, 'failing row')} ` : ''}in ${seconds(result.executionTime)}`
              : `${rows} in ${seconds(result.executionTime)}`;
  const attempts = (result.attempts ?? 1) > 1 ? ` after ${result.attempts} attempts` : '';
  const left = `${counter} ${status} ${label} `;
  const plainLeft = `${counter} ERROR ${label} `;
  const dots = Math.max(3, LINE_WIDTH - plainLeft.length - detail.length - attempts.length - 1);
  return `${left}${colors.dim('.'.repeat(dots))} ${detail}${attempts ? colors.yellow(attempts) : ''}`;
}

/** How an incremental model's run added rows (append, merge, delete+insert), or null when it was built whole or is no incremental model. */
export function incrementalStrategy(result: NodeResult): string | null {
  return /^incremental \((append|merge|delete\+insert)\)$/.exec(result.action)?.[1] ?? null;
}

/** For a test that found something: its first failing rows, or a unit test's diff. */
function testDetails(result: NodeResult): string[] {
  const indent = (text: string) => text.split('\n').map((line) => `        ${line}`);
  if (result.unitDiff) {
    const { columns, missing, extra } = result.unitDiff;
    return [
      ...(missing.length ? [`      ${colors.red('missing')} (expected, not returned):`, ...indent(formatTable(columns, missing))] : []),
      ...(extra.length
        ? [`      ${colors.red('extra')} (returned, not expected):`, ...indent(formatTable(Object.keys(extra[0]!), extra))]
        : []),
    ];
  }
  if (result.sample?.length && result.status === 'fail') {
    const more = (result.failures ?? 0) > result.sample.length ? `first ${result.sample.length} of ${result.failures}` : 'all';
    return [`      ${colors.dim(`failing rows (${more}):`)}`, ...indent(formatTable(Object.keys(result.sample[0]!), result.sample))];
  }
  return [];
}

function summary(results: RunResults): string[] {
  const ran = results.results.filter((r) => !r.reused);
  const count = (status: NodeResult['status']) => ran.filter((r) => r.status === status).length;
  const ok = count('success') + count('pass');
  const errors = count('error') + count('fail');
  const warnings = count('warn');
  const skipped = count('skipped');
  const reused = results.results.length - ran.length;
  const line =
    `Finished ${counted(results.results.length, 'node')} in ${seconds(results.elapsed)}: ${ok} OK, ${counted(warnings, 'warning')}, ${counted(errors, 'error')}, ${skipped} skipped` +
    (reused ? `, ${reused} reused (inputs unchanged)` : '');
  // On a long run the errors scroll away; repeat them where the eye lands.
  const recap = results.results
    .filter((r) => r.status === 'error' || r.status === 'fail')
    .map((r) =>
      r.status === 'fail'
        ? `  ${colors.red('FAIL ')} ${r.name}: ${counted(r.failures ?? 0, 'failing row')}`
        : `  ${colors.red('ERROR')} ${r.relation ?? r.name}: ${[r.error && errorLocation(r.error), r.error?.message.split('\n')[0]].filter(Boolean).join(' ')}`,
    );
  // Held-out metrics of every model trained or in use, where the eye lands at the end.
  const ml = ran
    .filter((r) => r.kind === 'ml_train' && r.ml)
    .map((r) => {
      const metrics = Object.entries(r.ml!.metrics)
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => `${k} ${(v as number).toFixed(3)}`)
        .join(', ');
      const state = r.ml!.version
        ? `${r.ml!.version}${r.ml!.promoted ? ' promoted' : ' not promoted'}${r.ml!.trained ? ', trained now' : ''}`
        : 'no version';
      return `  ${colors.cyan('ML')} ${r.name} (${state})${metrics ? `: ${metrics}` : ''}`;
    });
  return ['', errors ? colors.red(line) : colors.green(line), ...recap, ...ml];
}

function seconds(value: number): string {
  return `${value.toFixed(2)}s`;
}

export function renderDiagnostics(diagnostics: readonly Diagnostic[], write: Write, consequence = 'nothing was run'): void {
  for (const d of diagnostics) {
    const label = d.severity === 'error' ? colors.red('error') : colors.yellow('warning');
    write(`${label} ${formatDiagnostic(d)}`);
  }
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) write(colors.red(`${errors} error${errors === 1 ? '' : 's'}; ${consequence}`));
}

export function renderFreshness(results: readonly FreshnessResult[], write: Write): void {
  if (results.length === 0) {
    write('No selected source table declares freshness:.');
    return;
  }
  write(`${colors.bold('plat source freshness')}: ${counted(results.length, 'source table')}`);
  results.forEach((r, i) => {
    const status = { pass: colors.green('PASS '), warn: colors.yellow('WARN '), error: colors.red('ERROR') }[r.status];
    const limits = [r.warnAfter && `warn after ${r.warnAfter}`, r.errorAfter && `error after ${r.errorAfter}`].filter(Boolean).join(', ');
    const detail = r.message ?? `newest ${r.field} ${r.latest}, ${age(r.ageSeconds!)} old${limits ? ` (${limits})` : ''}`;
    write(`${String(i + 1).padStart(String(results.length).length)} of ${results.length} ${status} source ${r.relation}: ${detail}`);
  });
}

function age(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return [d && `${d}d`, h && `${h}h`, `${m}m`].filter(Boolean).join(' ');
}

/** One line per micro-batch, plus one per node that failed in it. */
export function renderMicroBatch(batch: MicroBatch): string[] {
  const rows = [...batch.landed].reduce((sum, [, n]) => sum + n, 0);
  const results = batch.results.results;
  const models = results.filter((r) => r.kind === 'model').length;
  const tests = results.filter((r) => r.kind === 'test').length;
  const bad = results.filter((r) => r.status === 'error' || r.status === 'fail' || r.status === 'skipped');
  const warnings = results.filter((r) => r.status === 'warn').length;
  const status = bad.length ? colors.red(`${bad.length} not OK`) : colors.green('OK');
  const line = `batch ${batch.number}: +${counted(rows, 'row')} → ${counted(models, 'model')}, ${counted(tests, 'test')} ${status}${warnings ? `, ${counted(warnings, 'warning')}` : ''} in ${seconds(batch.seconds)}`;
  return [
    line,
    ...bad.map(
      (r) =>
        `      ${colors.red(r.status.toUpperCase())} ${r.relation ?? r.name}${r.error ? `: ${r.error.message.split('\n')[0]}` : r.skippedBecause ? `: upstream ${r.skippedBecause} failed` : r.failures ? `: ${counted(r.failures, 'failing row')}` : ''}`,
    ),
  ];
}
