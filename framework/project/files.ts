import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import { join, relative, sep, resolve } from 'node:path';
import { PlatError } from '../core/errors.js';

/** The project's files as text, keyed by project-relative path with forward slashes. */
export interface ProjectFiles {
  root: string;
  files: Map<string, string>;
}

export const PROJECT_FILE = 'plat_project.yml';

/** Folders whose files make up a project; everything else (target/, data/) is ignored. */
const projectFolders = ['models', 'macros', 'tests', 'ml', 'agents', 'sources'];
const projectExtensions = /\.(ya?ml|sql|hbs)$/;

export function readProjectFiles(root: string): ProjectFiles {
  const files = new Map<string, string>();
  for (const name of [PROJECT_FILE, 'sources.yml']) {
    const path = join(root, name);
    if (existsSync(path)) files.set(name, readFileSync(path, 'utf8'));
  }
  for (const folder of projectFolders) walk(root, join(root, folder), files);
  return { root, files };
}

function walk(root: string, dir: string, files: Map<string, string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, path, files);
    else if (projectExtensions.test(entry.name)) files.set(toProjectPath(root, path), readFileSync(path, 'utf8'));
  }
}

/** Whether a project-relative path is one of the files a project is made of. */
export function isProjectFile(path: string): boolean {
  if (path === PROJECT_FILE || path === 'sources.yml') return true;
  const folder = path.slice(0, path.indexOf('/'));
  return projectFolders.includes(folder) && projectExtensions.test(path);
}

/**
 * Re-reads the given project-relative paths (files or folders, saved, added or deleted) into
 * `project`, and returns the project files whose text changed. Watch mode's only I/O per save.
 */
export function refreshProjectFiles(project: ProjectFiles, paths: readonly string[]): string[] {
  const changed = new Set<string>();
  const set = (path: string, text: string | undefined) => {
    if (project.files.get(path) === text) return;
    if (text === undefined) project.files.delete(path);
    else project.files.set(path, text);
    changed.add(path);
  };
  for (const path of new Set(paths)) {
    const absolute = join(project.root, path);
    let stat;
    try {
      stat = statSync(absolute);
    } catch {
      stat = null;
    }
    if (stat?.isDirectory()) {
      const found = new Map<string, string>();
      walk(project.root, absolute, found);
      for (const [file, text] of found) if (isProjectFile(file)) set(file, text);
      continue;
    }
    // A deleted folder takes every file under it.
    for (const known of [...project.files.keys()]) if (known.startsWith(`${path}/`) && !stat) set(known, undefined);
    if (!isProjectFile(path)) continue;
    let text: string | undefined;
    try {
      text = stat ? readFileSync(absolute, 'utf8') : undefined;
    } catch {
      text = undefined; // deleted between stat and read; the next event says so again
    }
    set(path, text);
  }
  return [...changed].sort();
}

export function toProjectPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

/**
 * `--project-dir`, else the current folder if it holds plat_project.yml, else ./project
 * (so that `npx plat build` works from this repository's root).
 */
export function resolveProjectDir(explicit: string | undefined, cwd: string = process.cwd()): string {
  if (explicit) {
    const dir = resolve(cwd, explicit);
    if (!existsSync(join(dir, PROJECT_FILE))) {
      throw new PlatError('PROJECT_INVALID', `no ${PROJECT_FILE} in ${dir}`, 'point --project-dir at the folder that holds plat_project.yml, or create one with `plat init`');
    }
    return dir;
  }
  for (const candidate of [cwd, join(cwd, 'project')]) {
    if (existsSync(join(candidate, PROJECT_FILE)) && statSync(candidate).isDirectory()) return candidate;
  }
  throw new PlatError('PROJECT_INVALID', `no ${PROJECT_FILE} in ${cwd} or ${join(cwd, 'project')}`, 'run plat inside a project, pass --project-dir, or create one with `plat init <dir>`');
}
