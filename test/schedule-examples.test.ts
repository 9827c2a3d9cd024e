import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listNodes } from '../framework/api.js';
import { runSchedule, type ScheduleEvent } from '../framework/schedule/job.js';
import { checkSelections } from '../framework/schedule/scheduler.js';
import { nextRun } from '../framework/schedule/timetable.js';
import { compileDir, copyProject, queryDb, repoRoot } from './helpers.js';

const trainings = ['defect_class', 'equipment_metrics', 'failure_within_7_days', 'sensor_anomaly'];

describe("the factory's schedules", () => {
  const manifest = compileDir(join(repoRoot, 'examples/factory'));

  it('declares the daily training after the daily features, at 02:30 in Berlin, selecting the four trainings and what shows their scores', () => {
    const schedule = manifest.schedules.daily_training!;
    expect(schedule).toMatchObject({
      cron: '30 2 * * *',
      timezone: 'Europe/Berlin',
      command: 'build',
      select: ['resource_type:ml_train+'],
      dependsOn: ['daily_features'],
      retry: { retries: 2 },
      timeout: 3_600_000,
    });
    expect(() => checkSelections(manifest, [schedule])).not.toThrow();
    // 02:30 in Berlin is 01:30 UTC in winter.
    expect(nextRun(schedule, null, new Date('2026-11-30T12:00:00Z'))).toEqual(new Date('2026-12-01T01:30:00Z'));

    const { nodes } = listNodes(manifest, { select: schedule.select, exclude: schedule.exclude });
    const named = (kind: string) =>
      nodes
        .filter((n) => n.kind === kind)
        .map((n) => n.uniqueId.split('.').pop())
        .sort();
    expect(named('ml_train')).toEqual(trainings);
    expect(named('ml_score')).toEqual(trainings);
    expect(named('model')).toEqual(['mart_equipment_health', 'mart_predictive_maintenance']);
    // Nothing upstream of the trainings: the features are daily_features' to build.
    expect(nodes.filter((n) => n.kind === 'source' || n.path.startsWith('models/features'))).toEqual([]);
  });

  it('fired now, skips the training whose features have not been built, and records why', async () => {
    const dir = copyProject(join(repoRoot, 'examples/factory'));
    const copy = compileDir(dir);
    const events: ScheduleEvent[] = [];
    const summary = await runSchedule(copy, copy.schedules.daily_training!, new Date(), { env: {}, onEvent: (e) => events.push(e) });
    expect(summary).toMatchObject({ status: 'skipped', error: 'schedule daily_features, which it depends on, has not run yet' });
    expect(await queryDb(dir, 'select command, trigger, schedule, status, nodes from _plat.runs')).toEqual([
      { command: 'build', trigger: 'schedule', schedule: 'daily_training', status: 'skipped', nodes: 0 },
    ]);
  });
});
