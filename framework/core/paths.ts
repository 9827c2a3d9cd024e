/**
 * An operating-system error from write(2) (a full disk, say) names no path, so the user would
 * not learn what could not be written; this gives it the path of the file or folder at work.
 */
export function naming<T>(path: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string' && !(error as NodeJS.ErrnoException).path) {
      (error as NodeJS.ErrnoException).path = path;
    }
    throw error;
  }
}
