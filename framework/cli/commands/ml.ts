import pc from 'picocolors';
import { Registry, type ModelVersion } from '../../ml/registry.js';
import { listModels, predict, showModel } from '../../ml/inspect.js';
import { exitCodes, PlatError } from '../../core/errors.js';
import { resolveProjectDir } from '../../project/files.js';
import { formatTable, toJson } from '../table.js';
import { counted } from '../../core/plural.js';
import { out, projectDir, type CommandSpec, type Options } from './shared.js';

export const mlCommands: CommandSpec[] = [
  {
    group: 'ml',
    usage: 'ls',
    description: 'list trained models: versions, the promoted one, its metrics',
    options: [projectDir, { flags: '--json', description: 'print JSON' }],
    run: async (_, raw) => {
      const options = raw as Options;
      const models = listModels(Registry.forProject(resolveProjectDir(options.projectDir)));
      if (options.json) out(toJson(models));
      else if (models.length === 0) out('No trained models yet: `plat build` trains the models in ml/.');
      else
        out(
          formatTable(
            ['model', 'versions', 'promoted', 'latest', 'trained_at', 'metrics'],
            models.map((m) => ({ ...m, trained_at: m.trainedAt, promoted: m.promoted ?? '—', metrics: metricsText(m.metrics) })),
          ),
        );
      return exitCodes.ok;
    },
  },
  {
    group: 'ml',
    usage: 'show <model>',
    description: 'metrics of the promoted version, and how they changed from the version before',
    options: [projectDir, { flags: '--json', description: 'print JSON' }],
    run: async ([model], raw) => {
      const options = raw as Options;
      const { current, previous } = showModel(Registry.forProject(resolveProjectDir(options.projectDir)), model!);
      if (options.json) {
        out(toJson({ current, previous }));
        return exitCodes.ok;
      }
      out(
        `${pc.bold(current.model)} ${current.version}${current.promoted ? ' (promoted)' : ' (latest, not promoted)'}, trained ${current.trainedAt} on ${counted(current.rows.train, 'row')}, tested on ${current.rows.test}`,
      );
      const names = Object.keys(current.metrics).filter((k) => typeof (current.metrics as Record<string, unknown>)[k] === 'number');
      const value = (v: ModelVersion | null, k: string) =>
        v ? ((v.metrics as Record<string, unknown>)[k] as number | undefined) : undefined;
      out(
        formatTable(
          ['metric', current.version, previous?.version ?? 'previous', 'change'],
          names.map((k) => {
            const now = value(current, k)!;
            const before = value(previous, k);
            return {
              metric: k,
              [current.version]: now.toFixed(4),
              [previous?.version ?? 'previous']: before === undefined ? '—' : before.toFixed(4),
              change: before === undefined ? '—' : `${now - before >= 0 ? '+' : ''}${(now - before).toFixed(4)}`,
            };
          }),
        ),
      );
      const matrix = current.metrics.confusion_matrix;
      if (matrix) out(`confusion matrix (rows: actual ${current.classes.join(', ')}; columns: predicted): ${JSON.stringify(matrix)}`);
      const importance = Object.entries(current.metrics.feature_importance ?? {});
      if (importance.length)
        out(
          `feature importance (share of mean |contribution| on the test rows): ${importance.map(([name, share]) => `${name} ${(share * 100).toFixed(1)} %`).join(', ')}`,
        );
      for (const [metric, m] of Object.entries(current.metrics.by_metric ?? {}))
        out(
          `backtest ${metric}: MAPE ${m.mape?.toFixed(2)} %, sMAPE ${m.smape?.toFixed(2)} %, 80 % coverage ${m.coverage_80?.toFixed(3)}, 95 % coverage ${m.coverage_95?.toFixed(3)}`,
        );
      if (current.features.length)
        out(
          `features: ${current.features.map((f) => `${f.name}${f.kind === 'one_hot' ? ` (one_hot: ${f.categories.length})` : f.standardize ? ' (standardized)' : ''}`).join(', ')}`,
        );
      return exitCodes.ok;
    },
  },
  {
    group: 'ml',
    usage: 'predict <model> <json>',
    description: "score one row with the model's promoted version: plat ml predict purchase_propensity '{\"carts\": 3, …}'",
    options: [projectDir],
    run: async ([model, json], raw) => {
      let row: Record<string, unknown>;
      try {
        row = JSON.parse(json!) as Record<string, unknown>;
      } catch {
        throw new PlatError('USAGE', 'the row must be a JSON object, e.g. \'{"carts": 3}\'');
      }
      out(toJson(predict(Registry.forProject(resolveProjectDir((raw as Options).projectDir)), model!, row)));
      return exitCodes.ok;
    },
  },
];

function metricsText(metrics: Record<string, unknown>): string {
  return Object.entries(metrics)
    .filter(([, v]) => typeof v === 'number')
    .map(([k, v]) => `${k} ${(v as number).toFixed(3)}`)
    .join(', ');
}
