/**
 * How an exception that reaches the top of the CLI is shown: one line that names what failed
 * and a hint, never a stack trace. Errors from the operating system (a folder that is not
 * writable, a full disk) name the path and what to do about it.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { CommanderError } from 'commander';
import { exitCodeFor, exitCodes, PlatError } from '../core/errors.js';

export interface Failure {
  /** Lines to print after "error " (the message) and "hint: " (the hint); null: already printed. */
  message: string | null;
  hint: string | null;
  exitCode: number;
}

const DOING: Record<string, string> = {
  mkdir: 'create the folder',
  rmdir: 'remove',
  unlink: 'remove',
  rm: 'remove',
  open: 'open',
  write: 'write',
  read: 'read',
  scandir: 'read the folder',
  rename: 'replace',
  copyfile: 'copy',
  cp: 'copy',
  chmod: 'change the mode of',
  stat: 'read',
  lstat: 'read',
  access: 'read',
  uv_cwd: 'read the current folder',
};

export function describeFailure(error: unknown, env: Record<string, string | undefined> = process.env): Failure {
  // Commander has already printed its usage message (unknown command or option, missing argument).
  if (error instanceof CommanderError)
    return { message: null, hint: null, exitCode: error.exitCode === 0 ? exitCodes.ok : exitCodes.usage };
  if (error instanceof PlatError) return { message: error.message, hint: error.hint, exitCode: exitCodeFor(error) };
  if (isSystemError(error)) return { ...systemFailure(error), exitCode: exitCodes.failure };
  const message = error instanceof Error ? error.message : String(error);
  const stack = env.PLAT_DEBUG && error instanceof Error ? error.stack : null;
  return {
    message: stack ?? message,
    hint: stack ? null : 'this looks like a bug in plat; run again with PLAT_DEBUG=1 to see where it happened, and report it',
    exitCode: exitCodeFor(error),
  };
}

function isSystemError(error: unknown): error is NodeJS.ErrnoException & { code: string } {
  return (
    error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    typeof (error as NodeJS.ErrnoException).syscall === 'string'
  );
}

function systemFailure(error: NodeJS.ErrnoException & { code: string }): { message: string; hint: string } {
  const path = error.path ? shown(error.path) : 'it';
  const doing = `cannot ${DOING[error.syscall!] ?? error.syscall}${error.path ? ` ${path}` : ''}`;
  const folder = error.path ? shown(dirname(error.path)) : 'the folder';
  switch (error.code) {
    case 'EACCES':
    case 'EPERM':
      return {
        message: `${doing}: permission denied (${error.code})`,
        hint: `give this user access to ${folder} (plat writes everything under the project's target/), or run plat on a copy of the project you own`,
      };
    case 'EROFS':
      return {
        message: `${doing}: the file system is read-only (${error.code})`,
        hint: 'plat writes target/ in the project folder: run it on a copy of the project on a writable disk',
      };
    case 'ENOSPC':
    case 'EDQUOT':
      return {
        message: `${doing}: no space left on the device (${error.code})`,
        hint: `free some space on the disk that holds ${path} (\`plat clean\` removes target/), then run again`,
      };
    case 'ENOTDIR':
    case 'EEXIST': {
      const file = error.path ? fileInTheWay(error.path) : null;
      return file
        ? {
            message: `${doing}: ${shown(file)} is a file, where a folder is needed (${error.code})`,
            hint: `move or remove ${shown(file)}, then run again`,
          }
        : { message: `${doing}: it already exists (${error.code})`, hint: `move or remove ${path}, then run again` };
    }
    case 'EISDIR':
      return {
        message: `${doing}: it is a folder, where a file is needed (${error.code})`,
        hint: `move or remove the folder ${path}, then run again`,
      };
    case 'ENOENT':
      return {
        message: `${doing}: no such file or folder (${error.code})`,
        hint:
          error.syscall === 'uv_cwd'
            ? 'the folder plat was started in was deleted: cd into an existing folder'
            : 'check that the path exists (and --project-dir, if you passed one)',
      };
    case 'EMFILE':
    case 'ENFILE':
      return {
        message: `${doing}: too many open files (${error.code})`,
        hint: 'raise the limit of open files (ulimit -n), then run again',
      };
    default:
      return { message: `${doing}: ${error.message}`, hint: 'check the path, its permissions and the free space of its disk' };
  }
}

/** The path itself or its nearest existing ancestor, when that is a file (target/ made a file, say). */
function fileInTheWay(path: string): string | null {
  for (let at = path; at !== dirname(at); at = dirname(at)) {
    if (existsSync(at)) return statSync(at).isDirectory() ? null : at;
  }
  return null;
}

function shown(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  if (fromCwd === '') return '.';
  return fromCwd.startsWith('..') ? path : fromCwd;
}
