import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every test run writes its project copies, databases and sites under a folder of its own, and
 * removes it at the end: a factory copy is about 250 MB, and hundreds of them filled the disk.
 * Workers start after this and inherit TMPDIR, so os.tmpdir() there is this folder. Set
 * PLAT_KEEP_TEST_TMP=1 to keep it for a look after a failure.
 */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'plat-test-run-'));
  // Like /tmp itself: tests that drop to another user (EACCES cases) must still reach their copies.
  chmodSync(root, 0o1777);
  process.env.TMPDIR = root;
  return () => {
    if (process.env.PLAT_KEEP_TEST_TMP) console.log(`test files kept in ${root}`);
    else rmSync(root, { recursive: true, force: true });
  };
}
