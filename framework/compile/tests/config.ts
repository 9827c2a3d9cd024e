import { didYouMean } from '../../core/suggest.js';
import type { TestConfig } from '../manifest.js';

/** Keys a test entry may carry besides its own arguments. */
export const TEST_CONFIG_KEYS = ['severity', 'warn_if', 'error_if', 'where', 'store_failures', 'name', 'tags'] as const;

const CONDITION = /^\s*(>=|<=|!=|==|=|>|<)\s*(\d+)\s*$/;

export function parseTestConfig(
  raw: Record<string, unknown>,
  report: (message: string, hint: string | null) => void,
): TestConfig & { where: string | null; name: string | null; tags: string[] } {
  const severity = raw.severity ?? 'error';
  if (severity !== 'error' && severity !== 'warn')
    report(`severity "${String(severity)}" is not error or warn`, didYouMean(String(severity), ['error', 'warn']));
  const condition = (key: 'warn_if' | 'error_if') => {
    const value = raw[key] === undefined ? '!=0' : String(raw[key]);
    if (!CONDITION.test(value)) {
      report(`${key} "${value}" is not a condition on the failing-row count`, 'write it like ">10", ">=1" or "!=0"');
      return '!=0';
    }
    return value.replace(/\s+/g, '');
  };
  return {
    severity: severity === 'warn' ? 'warn' : 'error',
    warnIf: condition('warn_if'),
    errorIf: condition('error_if'),
    storeFailures: raw.store_failures === true,
    where: typeof raw.where === 'string' ? raw.where : null,
    name: typeof raw.name === 'string' ? raw.name : null,
    tags: Array.isArray(raw.tags) ? raw.tags.map(String) : [],
  };
}

/** Checks a singular test's {{config}}; returns what it set. */
export function checkTestConfig(
  settings: Record<string, unknown>,
  report: (message: string, hint: string | null) => void,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!(TEST_CONFIG_KEYS as readonly string[]).includes(key) || key === 'name' || key === 'where') {
      report(
        `unknown test config "${key}"`,
        didYouMean(key, TEST_CONFIG_KEYS) ?? 'allowed: severity, warn_if, error_if, store_failures, tags',
      );
      continue;
    }
    out[key] =
      key === 'tags'
        ? String(value)
            .split(',')
            .map((t) => t.trim())
        : value;
  }
  return out;
}

/** Whether a failing-row count meets a condition such as ">10" or "!=0". */
export function meetsCondition(count: number, condition: string): boolean {
  const match = CONDITION.exec(condition);
  if (!match) return count !== 0;
  const limit = Number(match[2]);
  switch (match[1]) {
    case '>':
      return count > limit;
    case '>=':
      return count >= limit;
    case '<':
      return count < limit;
    case '<=':
      return count <= limit;
    case '!=':
      return count !== limit;
    default:
      return count === limit;
  }
}
