// Passed to Vitest's test processes with --import (see vitest.config.ts); threads they start inherit it.
import { register } from 'node:module';

register('./typescript-hooks.mjs', import.meta.url);
