import { createRequire } from 'node:module';
import type { Ajv } from 'ajv';
import { diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { stableStringify } from '../core/json.js';
import { didYouMean } from '../core/suggest.js';
import { isFaulty } from '../project/entries.js';
import type { EndpointSpec, ProjectSpec } from '../project/spec.js';
import { sqlParameters } from './agents.js';
import { firstOfEachName } from './collisions.js';
import type { NodeCompileContext } from './context.js';
import { linkDependencies } from './deps.js';
import type { EndpointNode, ForecastTrainNode, MlScoreNode, MlTrainNode, ServedPrediction } from './manifest.js';
import { checkEmbeddedPortability } from './portability.js';
import { renderModel } from './render.js';

type Schema = Record<string, unknown>;

let schemaChecker: Ajv | null = null;
type Place = { file: string; line?: number; column?: number };

/** The keys each type of endpoint takes besides name, type, route and description. */
const KEYS: Record<EndpointSpec['type'], string[]> = {
  predict: ['key', 'choose', 'parameters', 'predictions'],
  forecast: ['key', 'parameters', 'model', 'metrics', 'interval', 'recommendation'],
  analytics: ['key', 'choose', 'parameters', 'as_of', 'analyses'],
  stream: ['topics'],
};

const DEFAULT_RECOMMENDATION = {
  violation: 'Monitor {metric} closely: predicted to cross its {severity} threshold ({threshold}) at {time}',
  none: '{metric} is predicted to stay within its thresholds for the next {horizon}',
};

/** Endpoint nodes from endpoints/*.yml: each names the models it reads, so it sits downstream of them in the DAG. */
export function compileEndpoints(spec: ProjectSpec, context: NodeCompileContext, ml: (MlTrainNode | MlScoreNode)[]): EndpointNode[] {
  const { diagnostics } = context;
  const nodes: EndpointNode[] = [];
  const routes = new Map<string, string>();
  for (const endpoint of firstOfEachName(spec.endpoints, (e) => e.name, 'endpoint', 'name', spec, diagnostics)) {
    const place = (...path: (string | number)[]): Place => ({
      file: endpoint.origin.file,
      ...spec.locator.locate(endpoint.origin.file, [...endpoint.origin.path, ...path]),
    });
    const report = (detail: string, hint: string | null, ...path: (string | number)[]) =>
      diagnostics.push(diagnostic('BAD_CONFIG', { detail: `endpoint ${endpoint.name}: ${detail}` }, place(...path), hint));
    for (const key of Object.keys(endpoint)) {
      const wanted = KEYS[endpoint.type];
      if (['name', 'type', 'route', 'description', 'origin', ...wanted].includes(key)) continue;
      report(`${key}: does not apply to a ${endpoint.type} endpoint`, `a ${endpoint.type} endpoint takes ${wanted.join(', ')}`, key);
    }
    const route = endpoint.route ?? `/v1/${endpoint.name.replace(/_/g, '-')}`;
    const taken = routes.get(route);
    if (taken) {
      report(`route ${route} is already endpoint ${taken}'s`, 'give one of them another route:', endpoint.route ? 'route' : 'name');
      continue;
    }
    routes.set(route, endpoint.name);
    const compiled = compileOne(endpoint, context, ml, spec, report, place);
    if (!compiled) continue;
    const { origin: _, ...declared } = endpoint;
    nodes.push({
      kind: 'endpoint',
      uniqueId: `endpoint.${context.project}.${endpoint.name}`,
      name: endpoint.name,
      path: endpoint.origin.file,
      description: endpoint.description ?? '',
      tags: ['endpoint'],
      dependsOn: [...new Set(compiled.dependsOn)],
      fqn: [context.project, 'endpoints', endpoint.name],
      checksums: { body: sha256(stableStringify(compiled.serve)), config: sha256(stableStringify(declared)) },
      endpointType: endpoint.type,
      route,
      request: compiled.request,
      serve: compiled.serve,
    });
  }
  return nodes;
}

type Report = (detail: string, hint: string | null, ...path: (string | number)[]) => void;

function compileOne(
  endpoint: EndpointSpec,
  context: NodeCompileContext,
  ml: (MlTrainNode | MlScoreNode)[],
  spec: ProjectSpec,
  report: Report,
  place: (...path: (string | number)[]) => Place,
): Pick<EndpointNode, 'request' | 'serve' | 'dependsOn'> | null {
  const dependsOn: string[] = [];
  const predictions = new Map(ml.filter((n) => n.kind === 'ml_score').map((n) => [n.relation.name, n.uniqueId]));
  /** Rendered and linked SQL; $names it uses must be among `allowed`. */
  const sql = (text: string, allowed: readonly string[], ...path: (string | number)[]): string | null => {
    const local: typeof context.diagnostics = [];
    const rendered = renderModel({ path: endpoint.origin.file, sql: text }, context.environment, false, local, () => ({}));
    checkEmbeddedPortability(
      'endpoint',
      text,
      spec.locator.text(endpoint.origin.file),
      place(...path),
      context.dialect,
      context.diagnostics,
    );
    if (rendered) dependsOn.push(...linkDependencies(endpoint.origin.file, rendered, context, local, predictions));
    for (const d of local) context.diagnostics.push({ ...d, ...place(...path) });
    for (const name of sqlParameters(text).filter((n) => !allowed.includes(n)))
      report(
        `$${name} is not a request field`,
        didYouMean(name, allowed) ?? `the SQL may use ${allowed.map((a) => `$${a}`).join(', ')}`,
        ...path,
      );
    return rendered && local.length === 0 ? context.linker.link(rendered, null).sql : null;
  };
  const trainOf = (name: string, ...path: (string | number)[]): MlTrainNode | null => {
    const train = ml.find((n): n is MlTrainNode => n.kind === 'ml_train' && n.name === name);
    if (train) return train;
    if (!isFaulty(spec.faulty.mlModels, name) && !spec.ml.models.some((m) => m.name === name)) {
      const known = ml.filter((n) => n.kind === 'ml_train').map((n) => n.name);
      report(`no ML model "${name}"`, didYouMean(name, known), ...path);
    }
    return null;
  };
  const scoreOf = (model: string) => ml.find((n): n is MlScoreNode => n.kind === 'ml_score' && n.model === model);
  const extra = endpoint.parameters ?? {};
  for (const [name, schema] of Object.entries(extra)) {
    // Against the meta-schema only, as agent tools' parameters: compiling validators is the server's job.
    schemaChecker ??= new (createRequire(import.meta.url)('ajv') as typeof import('ajv')).Ajv({ strict: false });
    if (!(schemaChecker.validateSchema(schema) as boolean))
      report(
        `parameter ${name} is not a valid JSON Schema: ${schemaChecker.errorsText(schemaChecker.errors?.slice(0, 1), { dataVar: name })}`,
        null,
        'parameters',
        name,
      );
  }
  const key = endpoint.key ?? '';
  const keyField = { type: ['string', 'integer'], description: `the ${key}` };

  switch (endpoint.type) {
    case 'predict': {
      const served: Record<string, ServedPrediction> = {};
      const choices = Object.keys(endpoint.predictions!);
      for (const [choice, prediction] of Object.entries(endpoint.predictions!)) {
        const at = ['predictions', choice] as const;
        const train = trainOf(prediction.model, ...at, 'model');
        const linked = sql(prediction.sql, [], ...at, 'sql');
        if (!train || !linked) continue;
        if (train.task === 'forecast') {
          report(`${prediction.model} is a forecast: serve it with a forecast endpoint`, null, ...at, 'model');
          continue;
        }
        const score = scoreOf(train.name);
        if (score) dependsOn.push(score.uniqueId);
        const column =
          prediction.score ?? (train.task === 'anomaly' ? 'score' : train.task === 'regression' ? 'prediction' : 'probability');
        served[choice] = {
          model: train.name,
          sql: linked,
          score: column,
          output: prediction.output ?? column,
          fields: prediction.fields ?? {},
          bands: prediction.bands ?? [],
          factors: prediction.factors ?? {},
        };
      }
      if (Object.keys(served).length !== choices.length) return null;
      const choose = endpoint.choose ?? null;
      if (!choose && choices.length > 1) {
        report(`${choices.length} predictions need choose: (the request field that picks one)`, null, 'predictions');
        return null;
      }
      return {
        dependsOn,
        request: requestSchema(
          { [key]: keyField, ...(choose ? { [choose]: { type: 'string', enum: choices } } : {}) },
          [key, ...(choose ? [choose] : [])],
          extra,
        ),
        serve: { type: 'predict', key, choose, predictions: served },
      };
    }
    case 'forecast': {
      const train = trainOf(endpoint.model!, 'model');
      if (!train) return null;
      if (train.task !== 'forecast') {
        report(`${train.name} is a ${train.task} model, not a forecast: serve it with a predict endpoint`, null, 'model');
        return null;
      }
      const forecast = (train as ForecastTrainNode).forecast;
      const series = train.featureSet.features.map((f) => f.name);
      let ok = true;
      for (const [name, metric] of Object.entries(endpoint.metrics!)) {
        if (series.includes(metric)) continue;
        report(
          `${train.name} forecasts no series "${metric}"`,
          didYouMean(metric, series) ?? `its series: ${series.join(', ')}`,
          'metrics',
          name,
        );
        ok = false;
      }
      const score = scoreOf(train.name);
      if (!ok || !score?.violations) return null;
      dependsOn.push(score.uniqueId);
      const unit = `${forecast.frequency}s`;
      return {
        dependsOn,
        request: requestSchema(
          {
            [key]: keyField,
            metric: { type: 'string', enum: Object.keys(endpoint.metrics!) },
            forecast_horizon: {
              type: 'string',
              pattern: '^[0-9]+_(minutes|hours|days|weeks)$',
              description: `how far ahead, e.g. ${forecast.horizon}_${unit} (the most the model forecasts)`,
            },
          },
          [key, 'metric'],
          extra,
        ),
        serve: {
          type: 'forecast',
          key,
          model: train.name,
          forecasts: score.relation,
          violations: score.violations,
          metrics: endpoint.metrics!,
          interval: endpoint.interval ?? 95,
          frequency: forecast.frequency,
          horizon: forecast.horizon,
          recommendation: { ...DEFAULT_RECOMMENDATION, ...endpoint.recommendation },
        },
      };
    }
    case 'analytics': {
      const choose = endpoint.choose ?? null;
      const choices = Object.keys(endpoint.analyses!);
      if (!choose && choices.length > 1) {
        report(`${choices.length} analyses need choose: (the request field that picks one)`, null, 'analyses');
        return null;
      }
      const allowed = [key, 'start', 'end', ...Object.keys(extra)];
      const asOf = endpoint.as_of === undefined ? null : sql(endpoint.as_of, [], 'as_of');
      if (endpoint.as_of !== undefined && asOf === null) return null;
      const analyses: Extract<EndpointNode['serve'], { type: 'analytics' }>['analyses'] = {};
      for (const [choice, analysis] of Object.entries(endpoint.analyses!)) {
        const linked = sql(analysis.sql, allowed, 'analyses', choice, 'sql');
        const metrics = Object.keys(analysis.metrics);
        for (const [i, insight] of (analysis.insights ?? []).entries()) {
          for (const [j, condition] of insight.when.entries()) {
            if (metrics.includes(condition.metric)) continue;
            const at = ['analyses', choice, 'insights', i, 'when', j, 'metric'];
            report(`no metric "${condition.metric}"`, didYouMean(condition.metric, metrics), ...at);
          }
        }
        if (linked) analyses[choice] = { sql: linked, metrics: analysis.metrics, insights: analysis.insights ?? [] };
      }
      if (Object.keys(analyses).length !== choices.length) return null;
      return {
        dependsOn,
        request: requestSchema(
          {
            [key]: keyField,
            ...(choose ? { [choose]: { type: 'string', enum: choices } } : {}),
            time_range: { type: 'string', pattern: '^last_[0-9]+_(hours|days)$', description: 'the period, e.g. last_30_days (default)' },
          },
          [key, ...(choose ? [choose] : [])],
          extra,
        ),
        serve: { type: 'analytics', key, choose, asOf, analyses },
      };
    }
    case 'stream': {
      const topics: Record<string, string> = {};
      endpoint.topics!.forEach((entry, i) => {
        const node = context.sources.get(`${entry.source}.${entry.table}`);
        if (!node) {
          if (!isFaulty(spec.faulty.sources, entry.source))
            report(
              `unknown source table ${entry.source}.${entry.table}`,
              didYouMean(`${entry.source}.${entry.table}`, [...context.sources.keys()]),
              'topics',
              i,
              'table',
            );
          return;
        }
        if (!node.loader.kafka) {
          report(`source ${entry.source}.${entry.table} has no kafka topic`, 'declare kafka: { topic } on it in sources.yml', 'topics', i);
          return;
        }
        topics[node.loader.kafka.topic] = node.uniqueId;
        dependsOn.push(node.uniqueId);
      });
      if (Object.keys(topics).length !== endpoint.topics!.length) return null;
      const event = { type: 'object' };
      return {
        dependsOn,
        request: {
          type: 'object',
          properties: {
            topic: { type: 'string', enum: Object.keys(topics) },
            event: { ...event, description: 'one event' },
            events: { type: 'array', items: event, minItems: 1, maxItems: 10_000, description: 'a batch of events' },
          },
          required: ['topic'],
          oneOf: [{ required: ['event'] }, { required: ['events'] }],
          additionalProperties: false,
        },
        serve: { type: 'stream', topics },
      };
    }
  }
}

/** An object schema of the fields an endpoint's type needs, and its optional `parameters:` (which may not redefine those). */
function requestSchema(fields: Record<string, Schema>, required: string[], extra: Record<string, Schema>): Schema {
  return {
    type: 'object',
    properties: { ...extra, ...fields },
    required,
    additionalProperties: false,
  };
}
