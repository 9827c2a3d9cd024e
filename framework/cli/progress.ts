import logUpdate from 'log-update';
import pc from 'picocolors';
import type { IngestProgress } from '../run/results.js';

/**
 * One live line per Kafka source while it ingests (log-update redraws it in place on a
 * terminal); when output is not a terminal, a plain line every few seconds instead.
 */
export function ingestProgressDisplay(stream: NodeJS.WriteStream = process.stdout) {
  const latest = new Map<string, IngestProgress>();
  const live = stream.isTTY === true;
  let lastPlain = 0;
  let lastLine = '';
  const line = (p: IngestProgress) =>
    `${pc.cyan('ingesting')} ${p.source} (${p.topic}): ${p.landed.toLocaleString('en-US')} landed, ${p.deadLetters.toLocaleString('en-US')} dead letters, ${Math.round(p.rate).toLocaleString('en-US')} msg/s, lag ${p.lag.toLocaleString('en-US')}`;
  return {
    update(progress: IngestProgress) {
      latest.set(progress.source, progress);
      if (live) logUpdate([...latest.values()].map(line).join('\n'));
      else if (performance.now() - lastPlain > 1000 && progress.landed + progress.deadLetters > 0) {
        // Without a terminal, a line a second at most, and none while nothing moves.
        const text = line(progress).replace(/, [\d,]+ msg\/s/, '');
        if (text === lastLine) return;
        lastLine = text;
        lastPlain = performance.now();
        stream.write(`${line(progress)}\n`);
      }
    },
    done() {
      if (live) logUpdate.clear();
    },
  };
}
