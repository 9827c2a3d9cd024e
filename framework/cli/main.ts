#!/usr/bin/env node
import { Command, Option } from 'commander';
import { commands, type CommandSpec } from './commands/index.js';
import { exitCodeFor, PlatError } from '../core/errors.js';
import pc from 'picocolors';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const groups = new Map<string, Command>();

function register(program: Command, spec: CommandSpec): void {
  let parent = program;
  if (spec.group) {
    const members = commands.filter((c) => c.group === spec.group).map((c) => c.usage.split(' ')[0]);
    const group = groups.get(spec.group) ?? program.command(spec.group).description(`${members.join(', ')}`);
    groups.set(spec.group, group);
    parent = group;
  }
  const command = parent.command(spec.usage).description(spec.description);
  for (const option of spec.options) {
    const o = new Option(option.flags, option.description);
    if (option.default !== undefined) o.default(option.default);
    if (option.parse) o.argParser(option.parse);
    command.addOption(o);
  }
  command.action(async (...args: unknown[]) => {
    const options = command.opts();
    const positional = args.slice(0, -2);
    process.exitCode = await spec.run(positional as string[], options);
  });
}

const program = new Command('plat')
  .description('Declarative data pipelines on DuckDB: sources, SQL models, tests and ML in one DAG.')
  .version(pkg.version)
  .showHelpAfterError('(run plat --help for usage)');
for (const spec of commands) register(program, spec);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof PlatError) {
    process.stderr.write(`${pc.red('error')} ${error.message}\n`);
    if (error.hint) process.stderr.write(`${pc.dim(`hint: ${error.hint}`)}\n`);
  } else {
    process.stderr.write(`${pc.red('error')} ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = exitCodeFor(error);
});
