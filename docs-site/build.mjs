/**
 * Bundles the site's browser code into dist/docs-site/app.js. An import of `./x.ts?worker` is
 * x.ts bundled on its own and inlined as a string, for a worker started from a Blob URL (the only
 * kind Chromium allows on a page opened from file://).
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const options = { bundle: true, minify: true, format: 'iife', target: 'es2020', logLevel: 'warning' };

const inlineWorkers = {
  name: 'inline-workers',
  setup(site) {
    site.onResolve({ filter: /\?worker$/ }, (args) => ({
      path: join(args.resolveDir, args.path.replace(/\?worker$/, '')),
      namespace: 'worker',
    }));
    site.onLoad({ filter: /.*/, namespace: 'worker' }, async (args) => {
      const worker = await build({ ...options, entryPoints: [args.path], write: false });
      return { contents: worker.outputFiles[0].text, loader: 'text' };
    });
  },
};

await build({
  ...options,
  entryPoints: [join(root, 'docs-site/src/main.ts')],
  outfile: join(root, 'dist/docs-site/app.js'),
  plugins: [inlineWorkers],
});
// The dashboards and ECharts: loaded by app.js when a dashboard is opened.
await build({
  ...options,
  entryPoints: [join(root, 'docs-site/src/dashboards/entry.ts')],
  outfile: join(root, 'dist/docs-site/dashboards.app.js'),
});
