import pc from 'picocolors';
import { ingest, produceTo } from '../../api.js';
import { ingestProgressDisplay } from '../progress.js';
import { exitCodes } from '../../core/errors.js';
import { toJson } from '../table.js';
import { counted } from '../../core/plural.js';
import { out, parseCount, parseTime, projectDir, selection, type CommandSpec, type Options } from './shared.js';
import { compiled, selectionOf } from './compiled.js';

export const kafkaCommands: CommandSpec[] = [
  {
    usage: 'ingest',
    description: 'consume the selected Kafka sources (KAFKA_BROKERS) until they hold what the topics held at the start',
    options: [projectDir, ...selection, { flags: '--json', description: 'print the results as JSON' }],
    run: async (_, raw) => {
      const options = raw as Options;
      const project = compiled(options, 'nothing was ingested');
      if (!project) return exitCodes.failure;
      const display = ingestProgressDisplay();
      const results = await ingest(project.manifest, {
        ...selectionOf(project, options),
        env: process.env,
        onProgress: options.json ? undefined : (p) => display.update(p),
      });
      display.done();
      if (options.json) out(toJson(results));
      else if (results.length === 0) out('No selected source reads from Kafka.');
      for (const r of options.json ? [] : results) {
        const rate = r.seconds > 0 ? `, ${Math.round(r.landed / r.seconds).toLocaleString('en-US')} msg/s` : '';
        out(
          `${pc.green('OK')} ${r.source} (${r.topic}): ${r.landed.toLocaleString('en-US')} landed, ${counted(r.deadLetters, 'dead letter')} in ${r.seconds.toFixed(2)}s${rate}`,
        );
      }
      return exitCodes.ok;
    },
  },
  {
    usage: 'produce <source>',
    description: "send new events from a source's generator to its Kafka topic (idempotent, acks=all, keyed by kafka.key)",
    options: [
      projectDir,
      { flags: '--count <n>', description: 'events to send (default: the generator rows)', parse: parseCount },
      { flags: '--rate <n>', description: 'events per second (default: as fast as possible)', parse: parseCount },
      { flags: '--duration <time>', description: 'stop after this long, e.g. 30s or 5m', parse: parseTime },
      {
        flags: '--seed <n>',
        description: 'replay the events of the run that printed this seed (default: new events each run)',
        parse: parseCount,
      },
    ],
    run: async ([source], raw) => {
      const options = raw as Options & { count?: number; rate?: number; duration?: number; seed?: number };
      const project = compiled(options, 'nothing was sent');
      if (!project) return exitCodes.failure;
      const live = process.stdout.isTTY === true;
      const result = await produceTo(project.manifest, source!, {
        count: options.count,
        rate: options.rate,
        duration: options.duration,
        seed: options.seed,
        env: process.env,
        onProgress: live
          ? (sent, seconds) =>
              process.stdout.write(
                `\r${pc.cyan('producing')} ${sent.toLocaleString('en-US')} sent, ${Math.round(sent / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s`,
              )
          : undefined,
      });
      if (live) process.stdout.write('\r\x1b[K');
      out(
        `${pc.green('OK')} sent ${counted(result.sent, 'event')} in ${result.seconds.toFixed(2)}s (${Math.round(result.sent / Math.max(result.seconds, 0.001)).toLocaleString('en-US')}/s, seed ${result.seed})`,
      );
      return exitCodes.ok;
    },
  },
];
