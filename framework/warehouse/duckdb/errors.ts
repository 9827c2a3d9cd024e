/** DuckDB's errors in plat's terms: storage failures, lock conflicts, SQL errors with their line, file readers' errors. */
import { dirname } from 'node:path';
import { PlatError } from '../../core/errors.js';
import { FileReadError, WarehouseError } from '../types.js';

/** The database file as plat opens it (absolute) and as the user knows it. */
export interface DatabaseFiles {
  path: string;
  display: string;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function openError(error: unknown, path: string): PlatError {
  const message = messageOf(error);
  const lock = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message);
  if (lock) {
    return new PlatError(
      'DATABASE_LOCKED',
      `${path} is in use by another process (PID ${lock[2]}, ${lock[1]}); DuckDB allows one writer at a time`,
      'wait for the other plat command to finish, or close the program holding the file',
    );
  }
  if (/database does not exist|No such file/i.test(message)) {
    return new PlatError('DATABASE_OPEN', `no database at ${path}`, 'run `plat run` or `plat build` first to create it');
  }
  return new PlatError('DATABASE_OPEN', `cannot open ${path}: ${message}`);
}

const STORAGE_FAILURE = /Permission denied|Read-only file system|No space left on device|Disk quota exceeded/i;

/**
 * DuckDB failing to create or write the database, its .wal or its temporary files: an
 * environment problem (a folder this user cannot write, a full disk), whichever node hit it.
 */
export function storageError(error: unknown, files: DatabaseFiles): PlatError | null {
  const message = messageOf(error);
  const reason = STORAGE_FAILURE.exec(message)?.[0];
  const file = /"([^"]+)"/.exec(message)?.[1];
  if (!reason || !file?.startsWith(files.path)) return null;
  return new PlatError(
    'DATABASE_WRITE',
    `cannot write ${files.display}${file.slice(files.path.length)}: ${reason.toLowerCase()}`,
    folderHint(files),
  );
}

export function folderHint(files: DatabaseFiles): string {
  return `plat keeps ${files.display} and its .wal and temporary files in ${dirname(files.display)}/: make that folder writable for this user, or point target.path in plat_project.yml at one that is`;
}

export function systemReason(error: unknown): string {
  const { code } = error as NodeJS.ErrnoException;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EROFS') return 'read-only file system';
  if (code === 'ENOTDIR' || code === 'EEXIST') return 'a part of its path is a file, not a folder';
  return messageOf(error);
}

/** DuckDB appends a caret diagram and a LINE echo; plat prints its own location. */
export function cleanMessage(message: string): string {
  return message.split('\n\nLINE ')[0]!.trim();
}

/**
 * A failed statement as plat reports it: the storage failure it was, a file reader's error
 * at its file and line, or a WarehouseError with the statement's line and, for a failed
 * cast, the column.
 */
export function statementError(error: unknown, files: DatabaseFiles): Error {
  const storage = storageError(error, files);
  if (storage) return storage;
  if (error instanceof PlatError) return error;
  const message = messageOf(error);
  const text = cleanMessage(message);
  const lineText = /\bLINE (\d+):/.exec(message)?.[1];
  const line = lineText ? Number(lineText) : null;
  const castColumn = / when casting from source column (.+)$/.exec(text)?.[1] ?? null;
  const read = castColumn ? null : fileRead(text);
  return read ? new FileReadError(text, line, read) : new WarehouseError(text, line, castColumn);
}

/** DuckDB's file readers' errors: no file matched, a CSV or JSON line that does not parse or convert, a file it cannot read. */
function fileRead(message: string): FileReadError['read'] | null {
  if (/No files found that match the pattern/.test(message)) return { problem: 'no_files', reason: message, file: null, line: null };
  const csv = /CSV Error on Line: (\d+)\n(?:Original Line: (.*)\n)?(.*)/.exec(message);
  if (csv) {
    const file = /^\s*file = (.+)$/m.exec(message)?.[1] ?? null;
    const fixes = [...message.matchAll(/^\* .*\((\w+=\w+)\)/gm)].map((m) => m[1]!.replace('=', ': '));
    const column = /Error when converting column "(.*?)"/.exec(csv[3]!)?.[1];
    return {
      problem: column ? 'conversion' : 'malformed',
      reason: csv[3]!.trim(),
      file,
      line: Number(csv[1]),
      column,
      text: csv[2],
      fixes,
    };
  }
  const json = /(?:JSON transform error|Malformed JSON) in file "(.*?)", (?:at byte \d+ )?in (?:line|record\/value) (\d+): (.*)/.exec(
    message,
  );
  if (json)
    return { problem: /cast/i.test(json[3]!) ? 'conversion' : 'malformed', reason: json[3]!.trim(), file: json[1]!, line: Number(json[2]) };
  const inFile = /(?:file|File) ['"](.+?)['"]/.exec(message)?.[1];
  if (inFile) return { problem: 'other', reason: message.replace(/^\w+ Error: /, ''), file: inFile, line: null };
  return null;
}
