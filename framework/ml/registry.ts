import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AlgorithmName, MlTask } from '../compile/manifest.js';
import type { EncodedFeature } from './features.js';
import type { Metrics } from './metrics.js';

/**
 * target/ml/<model>/<version>/: model.json, metrics.json, features.json, fingerprint.json,
 * spec.json. target/ml/<model>/promoted.json names the version scoring uses.
 */
export interface ModelVersion {
  model: string;
  version: string;
  trainedAt: string;
  promoted: boolean;
  /** The algorithm that reads `trained`, and what it was trained for. */
  algorithm: AlgorithmName | 'holt_winters';
  task: MlTask | 'forecast';
  /** The algorithm's own model, stored as it gave it. */
  trained: unknown;
  /** Binary: the positive class's probability from which it is predicted (older versions: absent, 0.5). */
  threshold?: number;
  /** Classification: the label values, in the order of the model's outputs; else none. */
  classes: (string | number | boolean)[];
  features: EncodedFeature[];
  metrics: Metrics;
  fingerprint: Fingerprint;
  spec: unknown;
  /** Validation: rows held out of training to choose a binary threshold on. */
  rows: { train: number; test: number; validation?: number };
  /** Binary models: the held-out ROC curve as (false positive rate, true positive rate) points. */
  roc: [number, number][] | null;
}

/** A version that predicts per row (not a forecast): its algorithm is one of `algorithms`. */
export type PredictiveVersion = ModelVersion & { algorithm: AlgorithmName; task: MlTask };

export function isPredictive(version: ModelVersion): version is PredictiveVersion {
  return version.task !== 'forecast' && version.algorithm !== 'holt_winters';
}

export interface Fingerprint {
  /** Training rows and an order-independent hash of them. */
  data: string;
  spec: string;
  code: string;
}

export class Registry {
  constructor(private readonly root: string) {}

  /** A project's models live in its target/ml/. */
  static forProject(projectRoot: string): Registry {
    return new Registry(join(projectRoot, 'target', 'ml'));
  }

  private dir(model: string): string {
    return join(this.root, model);
  }

  models(): string[] {
    if (!existsSync(this.root)) return [];
    return readdirSync(this.root, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  }

  versions(model: string): string[] {
    if (!existsSync(this.dir(model))) return [];
    return readdirSync(this.dir(model), { withFileTypes: true })
      .filter((e) => e.isDirectory() && /^v\d+$/.test(e.name))
      .map((e) => e.name)
      .sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
  }

  read(model: string, version: string): ModelVersion {
    const dir = join(this.dir(model), version);
    const json = (name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
    const meta = storedModel(json('model.json'));
    return {
      ...meta,
      metrics: json('metrics.json') as Metrics,
      features: json('features.json').features as EncodedFeature[],
      fingerprint: json('fingerprint.json') as unknown as Fingerprint,
      spec: json('spec.json'),
      promoted: this.promoted(model) === version,
    };
  }

  latest(model: string): ModelVersion | null {
    const versions = this.versions(model);
    return versions.length ? this.read(model, versions[versions.length - 1]!) : null;
  }

  promoted(model: string): string | null {
    const path = join(this.dir(model), 'promoted.json');
    return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version : null;
  }

  promotedVersion(model: string): ModelVersion | null {
    const version = this.promoted(model);
    return version ? this.read(model, version) : null;
  }

  /** Writes a new version (v1, v2, …) and, if asked, promotes it. */
  write(entry: Omit<ModelVersion, 'version' | 'promoted'>, promote: boolean): string {
    const versions = this.versions(entry.model);
    const version = `v${versions.length ? Number(versions[versions.length - 1]!.slice(1)) + 1 : 1}`;
    const dir = join(this.dir(entry.model), version);
    mkdirSync(dir, { recursive: true });
    const write = (name: string, value: unknown) => writeFileSync(join(dir, name), `${JSON.stringify(value, null, 2)}\n`);
    const { model, trainedAt, algorithm, task, trained, threshold, classes, rows, roc } = entry;
    write('model.json', { model, version, trainedAt, algorithm, task, trained, threshold, classes, rows, roc });
    write('metrics.json', entry.metrics);
    write('features.json', { features: entry.features });
    write('fingerprint.json', entry.fingerprint);
    write('spec.json', entry.spec);
    if (promote) writeFileSync(join(this.dir(entry.model), 'promoted.json'), `${JSON.stringify({ version }, null, 2)}\n`);
    return version;
  }
}

type StoredModel = Pick<
  ModelVersion,
  'model' | 'version' | 'trainedAt' | 'algorithm' | 'task' | 'trained' | 'threshold' | 'classes' | 'rows' | 'roc'
>;

/**
 * model.json as written, or as plat wrote it before algorithms had their own models: the
 * logistic regression's model under `weights`, its task told by its classes.
 */
function storedModel(meta: Record<string, unknown>): StoredModel {
  if (!('weights' in meta)) return meta as unknown as StoredModel;
  const { weights, ...rest } = meta as unknown as Omit<StoredModel, 'algorithm' | 'task' | 'trained'> & {
    weights: { algorithm: AlgorithmName };
  };
  return { ...rest, algorithm: weights.algorithm, task: rest.classes.length === 2 ? 'binary' : 'multiclass', trained: weights };
}
