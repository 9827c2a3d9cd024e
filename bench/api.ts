/**
 * npm run bench:api [-- --clients 50 --seconds 20 --project-dir <a built copy of examples/factory>]
 * The HTTP API's latency (issue 17): `plat serve` on a built factory project, in a process of
 * its own as a user runs it, and --clients concurrent clients that each send one request after
 * another for --seconds, alternating POST /v1/predict (the three prediction types) and POST
 * /v1/forecast over the machines. Figures: p50/p95/p99 latency per route and overall, requests
 * per second, errors (any answer but 200). Target p95 ≤ 50 ms, no error (the reference asks < 2 s).
 * Without --project-dir, a clean copy is built first (minutes) and removed after.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { build, compileProjectDir } from '../framework/api.js';
import { reportBench } from './report.js';
import { argument, option } from './synthetic.js';

const clients = argument('clients', 50);
const seconds = argument('seconds', 20);
const given = option('project-dir');
const repo = join(import.meta.dirname, '../..');
const cli = join(repo, 'dist/framework/cli/main.js');

let dir: string;
if (given === null) {
  dir = mkdtempSync(join(tmpdir(), 'plat-bench-api-'));
  cpSync(join(repo, 'examples/factory'), dir, { recursive: true, filter: (path) => !path.includes('/target') });
  const started = performance.now();
  const built = await build(compileProjectDir({ projectDir: dir }).manifest, { env: {} });
  console.log(`build: ${built.results.length} nodes in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  if (!built.success) throw new Error('the factory build failed');
} else dir = given;

const server = spawn(process.execPath, [cli, 'serve', '--project-dir', dir, '--port', '0', '--no-llm'], {
  env: { ...process.env, NO_COLOR: '1', KAFKA_BROKERS: '' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
const url = await new Promise<string>((resolve, reject) => {
  let said = '';
  server.stdout.on('data', (chunk: Buffer) => {
    said += chunk.toString();
    const found = /serving .* on (http:\/\/\S+)/.exec(said);
    if (found) resolve(found[1]!);
  });
  server.once('exit', (code) => reject(new Error(`plat serve stopped (exit code ${code}): ${said}`)));
});

type Request = { route: '/v1/predict' | '/v1/forecast'; body: Record<string, unknown> };
// node:http with keep-alive: lighter than fetch, so the clients take less of the CPU the server needs.
const agent = new Agent({ keepAlive: true, maxSockets: clients });
const { hostname, port } = new URL(url);
const call = ({ route, body }: Request) =>
  new Promise<number>((resolve, reject) => {
    const text = JSON.stringify(body);
    const outgoing = request(
      {
        agent,
        hostname,
        port,
        path: route,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
      },
      (response) => {
        response.resume();
        response.once('end', () => resolve(response.statusCode ?? 0));
      },
    );
    outgoing.once('error', reject);
    outgoing.end(text);
  });

// The requests that have an answer: every machine's failure risk and forecasts, and the anomaly
// and quality predictions of the machines that have them (a machine idle all day has no reading).
const [header, ...lines] = readFileSync(join(dir, 'data/equipment.csv'), 'utf8').trim().split('\n');
const column = header!.split(',').indexOf('equipment_id');
const ids = lines.map((line) => line.split(',')[column]!);
const candidates: Request[] = [];
for (const id of ids) {
  for (const prediction_type of ['failure_risk', 'anomaly', 'quality']) {
    const request: Request = { route: '/v1/predict', body: { equipment_id: id, prediction_type } };
    if ((await call(request)) === 200) candidates.push(request);
  }
  for (const metric of ['temperature', 'vibration']) {
    const request: Request = { route: '/v1/forecast', body: { equipment_id: id, metric, forecast_horizon: '24_hours' } };
    if ((await call(request)) === 200) candidates.push(request);
  }
}
const predicts = candidates.filter((c) => c.route === '/v1/predict');
const forecasts = candidates.filter((c) => c.route === '/v1/forecast');
console.log(`${ids.length} machines: ${predicts.length} predict and ${forecasts.length} forecast requests to choose from`);

const latencies: Record<Request['route'], number[]> = { '/v1/predict': [], '/v1/forecast': [] };
let errors = 0;
const until = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: clients }, async (_, client) => {
    for (let n = client; performance.now() < until; n++) {
      const pool = n % 2 === 0 ? predicts : forecasts;
      const request = pool[(n * 7919) % pool.length]!;
      const started = performance.now();
      const status = await call(request).catch(() => 0);
      latencies[request.route].push(performance.now() - started);
      if (status !== 200) errors++;
    }
  }),
);
agent.destroy();
server.kill('SIGINT');
await new Promise((resolve) => server.once('exit', resolve));
if (given === null) rmSync(dir, { recursive: true, force: true });

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};
const all = [...latencies['/v1/predict'], ...latencies['/v1/forecast']];
const figures: Record<string, number> = {
  clients,
  seconds,
  requests: all.length,
  requests_per_second: all.length / seconds,
  errors,
  p50_ms: quantile(all, 0.5),
  p95_ms: quantile(all, 0.95),
  p99_ms: quantile(all, 0.99),
};
for (const [route, name] of [
  ['/v1/predict', 'predict'],
  ['/v1/forecast', 'forecast'],
] as const) {
  figures[`${name}_requests`] = latencies[route].length;
  for (const q of [50, 95, 99]) figures[`${name}_p${q}_ms`] = quantile(latencies[route], q / 100);
}
for (const [name, value] of Object.entries(figures)) console.log(`${name.padEnd(22)} ${Number(value.toPrecision(4))}`);
reportBench('api', figures, { p95_ms: '<= 50', errors: '== 0' });
