import { relative } from 'node:path';
import pc from 'picocolors';
import { generateDocs } from '../../docs/generate.js';
import { serveDocs } from '../../docs/serve.js';
import { join } from 'node:path';
import { exitCodes } from '../../core/errors.js';
import { counted } from '../../core/plural.js';
import { out, parsePort, projectDir, vars, type CommandSpec, type Options } from './shared.js';
import { compiled } from './compiled.js';

export const docsCommands: CommandSpec[] = [
  {
    group: 'docs',
    usage: 'generate',
    description: 'write the documentation site to target/docs (lineage, columns, tests, runs, ML); opens from file:// or any static host',
    options: [projectDir, vars],
    run: async (_, raw) => {
      const options = raw as Options;
      const project = compiled(options, 'nothing was generated');
      if (!project) return exitCodes.failure;
      const result = await generateDocs(project.manifest);
      out(
        `${pc.green('OK')} documentation for ${counted(result.nodes, 'node')} in ${relative(process.cwd(), result.dir) || '.'} (${result.seconds.toFixed(2)}s): open ${relative(process.cwd(), join(result.dir, 'index.html'))}`,
      );
      return exitCodes.ok;
    },
  },
  {
    group: 'docs',
    usage: 'serve',
    description: 'generate the site and serve it on 127.0.0.1; open pages reload when it is generated again',
    options: [
      projectDir,
      vars,
      { flags: '--port <n>', description: 'port (default 8080; 0 picks a free one)', default: 8080, parse: parsePort },
    ],
    run: async (_, raw) => {
      const options = raw as Options & { port: number };
      const project = compiled(options, 'nothing was served');
      if (!project) return exitCodes.failure;
      const result = await generateDocs(project.manifest);
      const server = await serveDocs(result.dir, options.port, { dashboards: () => result.dashboards });
      out(`${pc.green('serving')} ${server.url} (Ctrl-C stops)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      return exitCodes.ok;
    },
  },
];
