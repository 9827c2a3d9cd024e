/**
 * The Python side of `npm run bench:ml`: a virtual environment under .cache/bench-venv with
 * scikit-learn, statsmodels, numpy and pandas from PyPI (created once, reused), and
 * bench/reference_ml.py run in it. Bench-only: nothing at runtime or in tests needs Python.
 * When Python or the install is missing, `reason` says why and the bench prints plat's figures
 * alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export type ReferenceFigures = Record<string, number>;

export interface Reference {
  run(task: 'gbt' | 'rf' | 'iforest' | 'forecast', dataDir: string): ReferenceFigures | null;
  /** Why there is no reference, when there is none. */
  reason: string | null;
}

const PACKAGES = ['scikit-learn', 'statsmodels', 'numpy', 'pandas'];

export function pythonReference(root: string): Reference {
  const venv = join(root, '.cache/bench-venv');
  const python = join(venv, 'bin/python');
  const script = join(root, 'bench/reference_ml.py');
  const ready = () =>
    existsSync(python) &&
    spawnSync(python, ['-c', 'import sklearn, statsmodels, numpy, pandas, threadpoolctl'], { stdio: 'ignore' }).status === 0;
  if (!ready()) {
    const system = spawnSync('python3', ['--version'], { encoding: 'utf8' });
    if (system.status !== 0) return unavailable('python3 is not installed');
    console.log(`setting up the reference: ${venv} with ${PACKAGES.join(', ')} from PyPI…`);
    const created = spawnSync('python3', ['-m', 'venv', venv], { encoding: 'utf8' });
    if (created.status !== 0) return unavailable(`python3 -m venv failed: ${lastLine(created.stderr)}`);
    const installed = spawnSync(join(venv, 'bin/pip'), ['install', '--quiet', ...PACKAGES], {
      encoding: 'utf8',
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    if (installed.status !== 0 || !ready())
      return unavailable(`pip install ${PACKAGES.join(' ')} failed: ${lastLine(installed.stderr ?? '')}`);
  }
  return {
    reason: null,
    run(task, dataDir) {
      const result = spawnSync(python, [script, task, dataDir], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (result.status !== 0) {
        console.log(`reference ${task} failed: ${lastLine(result.stderr)}`);
        return null;
      }
      return JSON.parse(result.stdout.trim().split('\n').pop()!) as ReferenceFigures;
    },
  };
}

function unavailable(reason: string): Reference {
  return { reason, run: () => null };
}

function lastLine(text: string): string {
  return text.trim().split('\n').pop() ?? '';
}
