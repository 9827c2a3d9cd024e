import { PlatError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { Row } from './features.js';
import type { ModelVersion, Registry } from './registry.js';
import { predictOne } from './score.js';

export interface ModelSummary {
  model: string;
  versions: number;
  promoted: string | null;
  latest: string;
  trainedAt: string;
  metrics: Record<string, unknown>;
}

export function listModels(registry: Registry): ModelSummary[] {
  return registry.models().flatMap((model) => {
    const latest = registry.latest(model);
    if (!latest) return [];
    const promoted = registry.promotedVersion(model);
    return [
      {
        model,
        versions: registry.versions(model).length,
        promoted: promoted?.version ?? null,
        latest: latest.version,
        trainedAt: latest.trainedAt,
        metrics: (promoted ?? latest).metrics as Record<string, unknown>,
      },
    ];
  });
}

/** The promoted version (else the latest) and the version before it, for a comparison. */
export function showModel(registry: Registry, model: string): { current: ModelVersion; previous: ModelVersion | null } {
  const versions = registry.versions(model);
  if (versions.length === 0)
    throw new PlatError(
      'USAGE',
      `no trained model "${model}" in target/ml`,
      didYouMean(model, registry.models()) ?? 'run `plat build` to train the models in ml/',
    );
  const current = registry.promotedVersion(model) ?? registry.read(model, versions[versions.length - 1]!);
  const index = versions.indexOf(current.version);
  return { current, previous: index > 0 ? registry.read(model, versions[index - 1]!) : null };
}

export function predict(registry: Registry, model: string, row: Row) {
  const { current } = showModel(registry, model);
  const missing = current.features.filter((f) => (row[f.name] === undefined || row[f.name] === null) && f.fill === null).map((f) => f.name);
  if (missing.length)
    throw new PlatError(
      'USAGE',
      `the row lacks feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      `${model} uses: ${current.features.map((f) => f.name).join(', ')}`,
    );
  return { model, version: current.version, ...predictOne(current, row) };
}
