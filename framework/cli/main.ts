#!/usr/bin/env node
import { Command, Option } from 'commander';
import { commandsFor, type CommandSpec } from './commands/index.js';
import { describeFailure } from './failure.js';
import { exitCodes } from '../core/errors.js';
import pc from 'picocolors';
import { readFileSync } from 'node:fs';

// The reader went away (`plat ls | head -1`): what is left to print has nobody to read it.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(exitCodes.ok);
  failNow(error);
});
process.stderr.on('error', () => undefined);

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

const groups = new Map<string, Command>();

function register(program: Command, spec: CommandSpec, commands: CommandSpec[]): void {
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

function fail(error: unknown): void {
  const failure = describeFailure(error);
  if (failure.message !== null) process.stderr.write(`${pc.red('error')} ${failure.message}\n`);
  if (failure.hint) process.stderr.write(`${pc.dim(`hint: ${failure.hint}`)}\n`);
  process.exitCode = failure.exitCode;
}

/** Thrown outside the command's promise (an event handler, a stream): nothing is left to finish. */
function failNow(error: unknown): never {
  fail(error);
  process.exit();
}

const program = new Command('plat')
  .description('Declarative data pipelines on DuckDB: sources, SQL models, tests and ML in one DAG.')
  .version(pkg.version)
  .showHelpAfterError('(run plat --help for usage)')
  // Usage errors come back as exceptions, so that their exit code is decided with the others.
  .exitOverride();

process.on('uncaughtException', failNow);
process.on('unhandledRejection', failNow);
// The first word that is not an option names the command: only its module is loaded.
const args = process.argv.slice(2);
const named = args.find((arg) => !arg.startsWith('-'));
const commands = named === undefined && args.some((arg) => arg === '-V' || arg === '--version') ? [] : await commandsFor(named);
for (const spec of commands) register(program, spec, commands);
program.parseAsync(process.argv).catch(fail);
