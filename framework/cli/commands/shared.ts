import type { NodeKind } from '../../compile/manifest.js';
import { parseDuration } from '../../core/duration.js';
import { PlatError } from '../../core/errors.js';

export interface OptionSpec {
  flags: string;
  description: string;
  default?: unknown;
  parse?: (value: string, previous: unknown) => unknown;
}

export interface CommandSpec {
  /** A command under a parent command: `plat source freshness`. */
  group?: string;
  usage: string;
  description: string;
  options: OptionSpec[];
  run: (args: string[], options: Record<string, unknown>) => Promise<number>;
}

export type Options = {
  projectDir?: string;
  select?: string[];
  exclude?: string[];
  state?: string;
  vars?: Record<string, unknown>;
  target?: string;
  threads?: number;
  fullRefresh?: boolean;
  json?: boolean;
  watch?: boolean;
  limit?: number;
  output?: 'name' | 'id' | 'path' | 'table';
  resourceType?: NodeKind[];
};

export const out = (line: string) => process.stdout.write(`${line}\n`);
export const err = (line: string) => process.stderr.write(`${line}\n`);

export const parseVars = (text: string): Record<string, unknown> => {
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the usage error below
  }
  throw new PlatError('USAGE', `--vars must be a JSON object, e.g. --vars '{"days": 7}'`);
};
export const parseCount = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new PlatError('USAGE', `expected a whole number ≥ 1, got "${text}"`);
  return n;
};

export const parsePort = (text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new PlatError('USAGE', `expected a port from 0 to 65535 (0 picks a free one), got "${text}"`);
  return n;
};

export const parseTime = (text: string): number => {
  try {
    return parseDuration(text);
  } catch {
    throw new PlatError('USAGE', `expected a duration like 30s or 5m, got "${text}"`);
  }
};

export const projectDir: OptionSpec = {
  flags: '--project-dir <dir>',
  description: 'project folder (default: ./ if it has plat_project.yml, else ./project)',
};
export const selection: OptionSpec[] = [
  {
    flags: '-s, --select <selector...>',
    description: 'nodes to include: name, +name, name+, 2+name, @name, tag:x, path:models/marts, source:src, exposure:x, state:modified',
  },
  { flags: '--exclude <selector...>', description: 'nodes to leave out (same syntax as --select)' },
  {
    flags: '--state <dir>',
    description: 'folder with the manifest.json that state:modified compares with (default: each node as it last ran successfully)',
  },
];
export const vars: OptionSpec = { flags: '--vars <json>', description: 'override project vars, as a JSON object', parse: parseVars };
export const target: OptionSpec = {
  flags: '--target <name>',
  description: "build in another of plat_project.yml's targets (or a type: duckdb, trino); default PLAT_TARGET, else target:",
};
export const runOptions: OptionSpec[] = [
  projectDir,
  ...selection,
  vars,
  target,
  { flags: '--threads <n>', description: 'nodes to build at once (default: threads in plat_project.yml)', parse: parseCount },
  { flags: '--full-refresh', description: 'rebuild incremental models from scratch' },
  { flags: '--json', description: 'print events as JSON lines instead of text' },
  {
    flags: '--watch',
    description: 'then keep watching the project and rebuild what changed, with everything downstream and its tests (Ctrl-C stops)',
  },
];
