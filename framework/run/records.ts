/** The run history's records (see runs.ts), as plain data: the docs site reads them too. */
import type { NodeKind } from '../compile/manifest.js';
import type { NodeStatus } from './results.js';

/** Who started a run. */
export type RunTrigger = 'cli' | 'watch' | 'stream' | 'schedule' | 'api';
export type RunStatus = 'running' | 'success' | 'warn' | 'error' | 'aborted' | 'skipped';

export interface RunOrigin {
  trigger: RunTrigger;
  /** The schedule that started it, and the fire time it was started for. */
  schedule?: string;
  scheduledFor?: Date;
}

export interface RunRecord {
  id: number;
  command: string;
  trigger: RunTrigger;
  schedule: string | null;
  scheduledFor: string | null;
  status: RunStatus;
  startedAt: string;
  finishedAt: string | null;
  elapsed: number | null;
  nodes: number;
  errors: number;
  warnings: number;
  skipped: number;
  /** Why the run failed as a whole, was aborted or skipped. */
  error: string | null;
  pid: number | null;
}

export interface NodeRunRecord {
  runId: number;
  uniqueId: string;
  name: string;
  kind: NodeKind;
  attempt: number;
  status: NodeStatus;
  rows: number | null;
  failures: number | null;
  startedAt: string;
  completedAt: string;
  executionTime: number;
  error: string | null;
  errorLocation: string | null;
  /** Why a node was skipped, or what a gate decided (a training that kept its version). */
  detail: string | null;
}
