// Build step (npm run build, after tsc): ajv's standalone validators for plat's YAML schemas,
// generated once here instead of compiled at the start of every `plat compile`.
import { writeFileSync } from 'node:fs';
import { validatorsModule } from '../dist/framework/project/schema_compiler.js';

writeFileSync(new URL('../dist/framework/project/validators.cjs', import.meta.url), validatorsModule());
