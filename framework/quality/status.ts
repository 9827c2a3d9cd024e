import type { TestNode } from '../compile/manifest.js';
import { meetsCondition } from '../compile/tests/config.js';
import type { NodeStatus } from '../run/results.js';

/** error_if decides a failure (error severity only), then warn_if a warning, on the failing-row count. */
export function testStatus(node: Pick<TestNode, 'config'>, failures: number): NodeStatus {
  if (node.config.severity === 'error' && meetsCondition(failures, node.config.errorIf)) return 'fail';
  if (meetsCondition(failures, node.config.warnIf)) return 'warn';
  return 'pass';
}
