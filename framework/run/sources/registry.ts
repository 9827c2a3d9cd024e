import { externalLoader } from './external.js';
import { fileLoader } from './file.js';
import { generatorLoader } from './generated.js';
import type { SourceLoader } from './loader.js';

/**
 * The loaders run/ has, in the order they are tried; external comes last and takes every
 * table. Loaders of later stages go before these (api.ts puts Kafka first).
 */
export const builtinSourceLoaders: readonly SourceLoader[] = [generatorLoader, fileLoader, externalLoader];
