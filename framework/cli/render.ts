import pc from 'picocolors';
import type { RunEvent, NodeResult, RunResults } from '../run/results.js';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostics.js';

/** picocolors already honours NO_COLOR and FORCE_COLOR and turns colour off when not a TTY. */
const colors = pc;
const LINE_WIDTH = 78;

export type Write = (line: string) => void;

export function renderRunEvent(event: RunEvent, write: Write): void {
  switch (event.type) {
    case 'run_started': {
      const kinds = Object.entries(event.counts)
        .filter(([, n]) => n > 0)
        .map(([kind, n]) => `${n} ${kind}${n === 1 ? '' : 's'}`)
        .join(', ');
      write(`${colors.bold(`plat ${event.command}`)}: ${event.total} nodes (${kinds || 'none'}) on ${event.database}, ${event.threads} threads`);
      return;
    }
    case 'note':
      write(colors.cyan(`note: ${event.message}`));
      return;
    case 'node_started':
      return;
    case 'node_finished':
      write(nodeLine(event.index, event.total, event.result));
      if (event.result.error) {
        const where = event.result.error.file ? `${event.result.error.file}${event.result.error.line ? `:${event.result.error.line}` : ''}: ` : '';
        for (const [i, line] of `${where}${event.result.error.message}`.split('\n').entries()) write(`      ${i === 0 ? colors.red(line) : line}`);
        if (event.result.error.hint) write(`      ${colors.dim(`hint: ${event.result.error.hint}`)}`);
      }
      return;
    case 'run_finished':
      for (const line of summary(event.results)) write(line);
      return;
  }
}

function nodeLine(index: number, total: number, result: NodeResult): string {
  const width = String(total).length;
  const counter = `${String(index).padStart(width)} of ${total}`;
  const status = { success: colors.green('OK   '), error: colors.red('ERROR'), skipped: colors.yellow('SKIP ') }[result.status];
  const kind = result.kind === 'source' ? 'source' : result.action === 'inlined' ? 'ephemeral' : result.action.split(' ')[0];
  const label = `${kind} ${result.relation ?? result.name}`;
  const strategy = /^incremental \((append|merge|delete\+insert)\)$/.exec(result.action)?.[1];
  const rows = result.rows === null ? result.action : `${result.rows.toLocaleString('en-US')} rows${strategy ? ` ${strategy === 'append' ? 'appended' : strategy === 'merge' ? 'merged' : 'replaced'}` : ''}`;
  const detail =
    result.status === 'skipped'
      ? `skipped: upstream ${result.skippedBecause} failed`
      : result.status === 'error'
        ? `in ${seconds(result.executionTime)}`
        : result.action === 'inlined'
          ? 'inlined'
          : `${rows} in ${seconds(result.executionTime)}`;
  const left = `${counter} ${status} ${label} `;
  const plainLeft = `${counter} ERROR ${label} `;
  const dots = Math.max(3, LINE_WIDTH - plainLeft.length - detail.length - 1);
  return `${left}${colors.dim('.'.repeat(dots))} ${detail}`;
}

function summary(results: RunResults): string[] {
  const count = (status: NodeResult['status']) => results.results.filter((r) => r.status === status).length;
  const ok = count('success');
  const errors = count('error');
  const skipped = count('skipped');
  const line = `Finished ${results.results.length} nodes in ${seconds(results.elapsed)}: ${ok} OK, ${errors} error${errors === 1 ? '' : 's'}, ${skipped} skipped`;
  // On a long run the errors scroll away; repeat them where the eye lands.
  const recap = results.results
    .filter((r) => r.status === 'error')
    .map((r) => `  ${colors.red('ERROR')} ${r.relation ?? r.name}: ${r.error?.file ?? ''}${r.error?.line ? `:${r.error.line}` : ''} ${r.error?.message.split('\n')[0] ?? ''}`);
  return ['', errors ? colors.red(line) : colors.green(line), ...recap];
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
