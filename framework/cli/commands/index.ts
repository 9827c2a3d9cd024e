import type { CommandSpec } from './shared.js';

export type { CommandSpec, OptionSpec } from './shared.js';

/**
 * Every command module with the names it declares (a command's first word, or its group), in
 * the order `plat --help` lists them. A module is imported only when one of its commands runs
 * (or for help): `plat compile` does not load Kafka, DuckDB or LangChain.
 */
export const commandModules: { names: string[]; load: () => Promise<CommandSpec[]> }[] = [
  { names: ['build', 'run', 'test', 'source'], load: () => import('./run.js').then((m) => m.runCommands) },
  { names: ['schedule'], load: () => import('./schedule.js').then((m) => m.scheduleCommands) },
  { names: ['runs'], load: () => import('./runs.js').then((m) => m.runsCommands) },
  { names: ['seed', 'snapshot', 'show', 'retry'], load: () => import('./dbt.js').then((m) => m.dbtCommands) },
  { names: ['ingest', 'produce'], load: () => import('./kafka.js').then((m) => m.kafkaCommands) },
  { names: ['ml'], load: () => import('./ml.js').then((m) => m.mlCommands) },
  { names: ['docs'], load: () => import('./docs.js').then((m) => m.docsCommands) },
  { names: ['dev'], load: () => import('./dev.js').then((m) => m.devCommands) },
  { names: ['ask', 'agent', 'serve'], load: () => import('./agent.js').then((m) => m.agentCommands) },
  { names: ['compile', 'ls', 'query', 'init', 'clean'], load: () => import('./project.js').then((m) => m.projectCommands) },
];

/** The commands of the module that declares `name`; all of them when none does (help, a typo to suggest for). */
export async function commandsFor(name: string | undefined): Promise<CommandSpec[]> {
  const owner = commandModules.find((m) => name !== undefined && m.names.includes(name));
  const modules = owner ? [owner] : commandModules;
  return (await Promise.all(modules.map((m) => m.load()))).flat();
}

/** The name a command spec is invoked by: its group, else the first word of its usage. */
export const commandName = (spec: CommandSpec): string => spec.group ?? spec.usage.split(' ')[0]!;
