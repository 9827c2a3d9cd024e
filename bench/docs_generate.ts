/**
 * One timed generation of bench:docs (docs.ts), in a process of its own so that each starts
 * cold, as `plat docs generate` does: node docs_generate.js <project dir>
 * The project is compiled first, untimed. Prints one JSON line: {"seconds": …, "dir": …, "nodes": …}.
 */
import { compileProjectDir } from '../framework/api.js';
import { generateDocs } from '../framework/docs/generate.js';

const { manifest } = compileProjectDir({ projectDir: process.argv[2]! }, false);
const generated = await generateDocs(manifest);
console.log(JSON.stringify({ seconds: generated.seconds, dir: generated.dir, nodes: generated.nodes }));
