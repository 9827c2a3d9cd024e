import { agentCommands } from './agent.js';
import { dbtCommands } from './dbt.js';
import { devCommands } from './dev.js';
import { docsCommands } from './docs.js';
import { kafkaCommands } from './kafka.js';
import { mlCommands } from './ml.js';
import { projectCommands } from './project.js';
import { runCommands } from './run.js';
import { runsCommands } from './runs.js';
import { scheduleCommands } from './schedule.js';
import type { CommandSpec } from './shared.js';

export type { CommandSpec, OptionSpec } from './shared.js';

/** Every command, in the order `plat --help` lists them. */
export const commands: CommandSpec[] = [
  ...runCommands,
  ...scheduleCommands,
  ...runsCommands,
  ...dbtCommands,
  ...kafkaCommands,
  ...mlCommands,
  ...docsCommands,
  ...devCommands,
  ...agentCommands,
  ...projectCommands,
];
