import { closeSync, type Dirent, existsSync, fstatSync, openSync, readdirSync, readFileSync, type Stats, statSync } from 'node:fs';
import { join, relative, sep, resolve } from 'node:path';
import { PlatError } from '../core/errors.js';
import { decodeUtf8, type DecodedText, type InvalidUtf8 } from './encoding.js';

/** The project's files as text, keyed by project-relative path with forward slashes. */
export interface ProjectFiles {
  root: string;
  files: Map<string, string>;
  /**
   * Files read from disk that are not valid UTF-8, by path (their text has U+FFFD in place of
   * the bad bytes); the parser reports each. Projects given as text have none.
   */
  notUtf8?: Map<string, InvalidUtf8>;
}

export const PROJECT_FILE = 'plat_project.yml';

/** Folders whose files make up a project; everything else (target/, data/) is ignored. */
const projectFolders = ['models', 'macros', 'tests', 'ml', 'agents', 'endpoints', 'sources', 'seeds', 'snapshots', 'docs', 'dashboards'];
/** YAML, SQL, macros and doc blocks (Markdown) anywhere in those folders; CSV only as seeds. */
const projectExtensions = /\.(ya?ml|sql|hbs|md)$/;
const isProjectPath = (path: string) => projectExtensions.test(path) || (path.startsWith('seeds/') && path.endsWith('.csv'));

/** A file's size and modification time, as the compile cache records them. */
export interface FileStat {
  size: number;
  mtimeMs: number;
}

/**
 * Reads every project file. With `stats`, also records each file's size and mtime as it was
 * opened, before it was read (what the compile cache needs of a first compile): one walk and
 * one open a file instead of a second walk stat'ing each. `onText` sees each file's text as
 * soon as it is read (YAML is parsed meanwhile, yaml_thread.ts).
 */
export function readProjectFiles(root: string, stats?: Map<string, FileStat>, onText?: (path: string, text: string) => void): ProjectFiles {
  const project: ProjectFiles = { root, files: new Map(), notUtf8: new Map() };
  visitProjectFiles(root, (path, absolute) => {
    const read = stats ? readStatted(absolute, path, stats) : readText(absolute);
    keep(project, path, read);
    onText?.(path, read.text);
  });
  return project;
}

function readStatted(absolute: string, path: string, stats: Map<string, FileStat>): DecodedText {
  const fd = openSync(absolute, 'r');
  try {
    const { size, mtimeMs } = fstatSync(fd);
    stats.set(path, { size, mtimeMs });
    return decodeUtf8(readFileSync(fd));
  } finally {
    closeSync(fd);
  }
}

/** Each project file's path (project-relative) and absolute path, without reading it. */
export function visitProjectFiles(root: string, visit: (path: string, absolute: string) => void): void {
  for (const name of [PROJECT_FILE, 'sources.yml']) {
    const path = join(root, name);
    if (existsSync(path)) visit(name, path);
  }
  for (const folder of projectFolders) walk(join(root, folder), `${folder}/`, visit);
}

/** Reads some of a project's files, by project-relative path (a missing one is left out). */
export function readSomeProjectFiles(root: string, paths: readonly string[]): ProjectFiles {
  const project: ProjectFiles = { root, files: new Map(), notUtf8: new Map() };
  for (const path of paths) {
    try {
      keep(project, path, readText(join(root, path)));
    } catch {
      // deleted since it was listed: absent, as a deleted file is
    }
  }
  return project;
}

function readText(path: string): DecodedText {
  return decodeUtf8(readFileSync(path));
}

function keep(project: ProjectFiles, path: string, read: DecodedText): void {
  project.files.set(path, read.text);
  if (read.invalid) (project.notUtf8 ??= new Map()).set(path, read.invalid);
  else project.notUtf8?.delete(path);
}

/** `prefix` is `dir` relative to the project, with forward slashes (cheaper than path.relative for each of thousands of files). */
function walk(dir: string, prefix: string, visit: (path: string, absolute: string) => void): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, `${prefix}${entry.name}/`, visit);
    else if (isProjectPath(`${prefix}${entry.name}`)) visit(`${prefix}${entry.name}`, path);
  }
}

/** Whether a project-relative path is one of the files a project is made of. */
export function isProjectFile(path: string): boolean {
  if (path === PROJECT_FILE || path === 'sources.yml') return true;
  const folder = path.slice(0, path.indexOf('/'));
  return projectFolders.includes(folder) && isProjectPath(path);
}

/**
 * Re-reads the given project-relative paths (files or folders, saved, added or deleted) into
 * `project`, and returns the project files whose text changed. Watch mode's only I/O per save.
 */
export function refreshProjectFiles(project: ProjectFiles, paths: readonly string[]): string[] {
  const changed = new Set<string>();
  const set = (path: string, read: DecodedText | undefined) => {
    // Different bad bytes can decode to the same text; only their place tells the edit apart.
    const invalidBefore = JSON.stringify(project.notUtf8?.get(path) ?? null);
    if (project.files.get(path) === read?.text && invalidBefore === JSON.stringify(read?.invalid ?? null)) return;
    if (read === undefined) {
      project.files.delete(path);
      project.notUtf8?.delete(path);
    } else keep(project, path, read);
    changed.add(path);
  };
  for (const path of new Set(paths)) {
    const absolute = join(project.root, path);
    let stat: Stats | null;
    try {
      stat = statSync(absolute);
    } catch {
      stat = null;
    }
    if (stat?.isDirectory()) {
      const found = { root: project.root, files: new Map<string, string>(), notUtf8: new Map<string, InvalidUtf8>() };
      const folder = toProjectPath(project.root, absolute);
      walk(absolute, folder ? `${folder}/` : '', (file, path) => keep(found, file, readText(path)));
      for (const [file, text] of found.files) if (isProjectFile(file)) set(file, { text, invalid: found.notUtf8.get(file) ?? null });
      continue;
    }
    // A deleted folder takes every file under it.
    for (const known of [...project.files.keys()]) if (known.startsWith(`${path}/`) && !stat) set(known, undefined);
    if (!isProjectFile(path)) continue;
    let read: DecodedText | undefined;
    try {
      read = stat ? readText(absolute) : undefined;
    } catch {
      read = undefined; // deleted between stat and read; the next event says so again
    }
    set(path, read);
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
      throw new PlatError(
        'PROJECT_INVALID',
        `no ${PROJECT_FILE} in ${dir}`,
        'point --project-dir at the folder that holds plat_project.yml, or create one with `plat init`',
      );
    }
    return dir;
  }
  for (const candidate of [cwd, join(cwd, 'project')]) {
    if (existsSync(join(candidate, PROJECT_FILE)) && statSync(candidate).isDirectory()) return candidate;
  }
  throw new PlatError(
    'PROJECT_INVALID',
    `no ${PROJECT_FILE} in ${cwd} or ${join(cwd, 'project')}`,
    'run plat inside a project, pass --project-dir, or create one with `plat init <dir>`',
  );
}
