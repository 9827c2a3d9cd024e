import { diagnostic, type Diagnostic } from '../core/diagnostics.js';
import { sha256 } from '../core/hash.js';
import { stableStringify } from '../core/json.js';
import { didYouMean } from '../core/suggest.js';
import type { ProjectSpec } from '../project/spec.js';
import { firstOfEachName } from './collisions.js';
import type { ExposureNode } from './manifest.js';

/** What an exposure's depends_on may name: ref-able relations and source tables, by name → node id. */
export interface ExposureTargets {
  refs: ReadonlyMap<string, string>;
  sources: ReadonlyMap<string, string>;
}

/** Exposure nodes from `exposures:` in properties files; each depends_on entry that names nothing is reported there. */
export function compileExposures(spec: ProjectSpec, project: string, targets: ExposureTargets, diagnostics: Diagnostic[]): ExposureNode[] {
  const exposures = firstOfEachName(spec.exposures, (e) => e.name, 'exposure', 'name', spec, diagnostics);
  return exposures.map((exposure) => {
    const { file, path } = exposure.origin;
    const dependsOn: string[] = [];
    exposure.depends_on.forEach((entry, i) => {
      const place = { file, ...spec.locator.locate(file, [...path, 'depends_on', i, 'ref' in entry ? 'ref' : 'source']) };
      if ('ref' in entry) {
        const id = targets.refs.get(entry.ref);
        if (id) dependsOn.push(id);
        else diagnostics.push(diagnostic('UNKNOWN_REF', { name: entry.ref }, place, didYouMean(entry.ref, targets.refs.keys())));
      } else {
        const id = targets.sources.get(entry.source);
        if (id) dependsOn.push(id);
        else
          diagnostics.push(diagnostic('UNKNOWN_SOURCE', { name: entry.source }, place, didYouMean(entry.source, targets.sources.keys())));
      }
    });
    const { origin: _, ...declared } = exposure;
    return {
      kind: 'exposure' as const,
      uniqueId: `exposure.${project}.${exposure.name}`,
      name: exposure.name,
      path: file,
      description: exposure.description ?? '',
      tags: exposure.tags ?? [],
      dependsOn: [...new Set(dependsOn)],
      fqn: [project, exposure.name],
      checksums: { body: sha256(stableStringify(exposure.depends_on)), config: sha256(stableStringify(declared)) },
      exposureType: exposure.type,
      url: exposure.url ?? null,
      owner: { name: exposure.owner?.name ?? null, email: exposure.owner?.email ?? null },
    };
  });
}
