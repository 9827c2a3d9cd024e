/**
 * A run as it is recorded while it happens: its row in `_plat.runs` when it starts, the failed
 * attempts of retried nodes as they fail, and every node's result when it ends. The history
 * has a session of its own, so recording never waits for a node's statement. A history that
 * cannot be written (a full disk, say) is a note: the nodes then report the problem themselves.
 */
import type { Connection, Warehouse } from '../warehouse/connection.js';
import type { NodeResult, RunResults } from './results.js';
import { RunHistory, type NodeAttempt, type RunOrigin } from './runs.js';

export interface RunRecorder {
  /** The run's id in `_plat.runs`; undefined when it could not be recorded. */
  readonly id: number | undefined;
  /** A failed attempt of a node that is retried. */
  attempt(result: NodeResult, attempt: number): void;
  /** An exception that ended the run early: marks it failed, and throws it on. */
  abandon(error: unknown): Promise<never>;
  finish(results: RunResults, at: Date): Promise<void>;
}

const tablesMade = new WeakSet<Warehouse>();

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function recordRun(
  warehouse: Warehouse,
  run: { command: string; origin: RunOrigin; startedAt: Date; nodes: number },
  note: (message: string) => void,
): Promise<RunRecorder> {
  const session: Connection = await warehouse.session();
  let recorded: { history: RunHistory; id: number } | null = null;
  try {
    // The tables are made once per open warehouse: a stream records a run per micro-batch.
    const history = tablesMade.has(warehouse) ? RunHistory.reader(session) : await RunHistory.on(session);
    tablesMade.add(warehouse);
    recorded = { history, id: await history.start(run.command, run.origin, run.startedAt, run.nodes) };
  } catch (error) {
    session.close();
    note(`the run history (_plat.runs) was not written: ${messageOf(error)}`);
  }
  const failedAttempts: NodeAttempt[] = [];
  return {
    id: recorded?.id,
    attempt: (result, attempt) => void failedAttempts.push({ result, attempt }),
    abandon: async (error) => {
      if (recorded) {
        await recorded.history.fail(recorded.id, 'error', messageOf(error), new Date()).catch(() => undefined);
        session.close();
      }
      throw error;
    },
    finish: async (results, at) => {
      if (!recorded) return;
      try {
        const finals = results.results.map((result) => ({ result, attempt: result.attempts ?? 1 }));
        await recorded.history.finish(recorded.id, results, [...failedAttempts, ...finals], at);
      } catch (error) {
        note(`the run history (_plat.runs) was not completed: ${messageOf(error)}`);
      } finally {
        session.close();
      }
    },
  };
}
