import { createRequire } from 'node:module';
import type Handlebars from 'handlebars';
import type { MacroFile } from '../../project/spec.js';
import { renderValue, type RenderResult, type TemplateHelpers, type TemplateLocation } from './context.js';
import { alignLines } from './linemap.js';
import { explainSyntaxError, type ParserStop } from './syntax.js';
import { didYouMean } from '../../core/suggest.js';

type HelperOptions = { hash: Record<string, unknown>; loc?: { start: { line: number; column: number } }; data?: unknown };

/**
 * Full Handlebars, for templates the fast path declines. One Handlebars environment per
 * compile; helpers dispatch to whichever model is being rendered through `current`.
 */
export class HandlebarsRenderer {
  // Loaded with the first template the fast path declines: a compile that needs none skips it.
  private readonly hb = (createRequire(import.meta.url)('handlebars') as typeof Handlebars).create();
  private current: TemplateHelpers | null = null;
  private readonly macroNames: Set<string>;

  constructor(macros: readonly MacroFile[]) {
    this.macroNames = new Set(macros.map((m) => m.name));
    const helpers = () => this.current!;
    const at = (options: HelperOptions): TemplateLocation => ({
      line: options.loc?.start.line ?? 1,
      column: options.loc?.start.column ?? 0,
    });
    const positional = (args: unknown[]) => ({ values: args.slice(0, -1), options: args[args.length - 1] as HelperOptions });

    this.hb.registerHelper('ref', (...args: unknown[]) => {
      const { values, options } = positional(args);
      return helpers().ref(String(values[0] ?? ''), at(options));
    });
    this.hb.registerHelper('source', (...args: unknown[]) => {
      const { values, options } = positional(args);
      return helpers().source(String(values[0] ?? ''), String(values[1] ?? ''), at(options));
    });
    this.hb.registerHelper('var', (...args: unknown[]) => {
      const { values, options } = positional(args);
      return helpers().var(String(values[0] ?? ''), values[1], at(options));
    });
    this.hb.registerHelper('env', (...args: unknown[]) => {
      const { values, options } = positional(args);
      return helpers().env(String(values[0] ?? ''), values[1], at(options));
    });
    this.hb.registerHelper('config', (...args: unknown[]) => {
      const { options } = positional(args);
      helpers().config(options.hash, at(options));
      return '';
    });
    this.hb.registerHelper('this', () => helpers().this());
    this.hb.registerHelper('is_incremental', () => helpers().isIncremental());
    // SQL that differs by engine: the block on targets of the named types, its {{else}} on the others.
    this.hb.registerHelper('on', function (this: unknown, ...args: unknown[]) {
      const { values, options } = positional(args);
      const block = options as HelperOptions & { fn: (context: unknown) => string; inverse: (context: unknown) => string };
      return helpers().on(values.map(String), at(options)) ? block.fn(this) : block.inverse(this);
    });

    for (const macro of macros) {
      const params = macroParams(macro.template);
      const render = this.hb.compile(macro.template, { noEscape: true, strict: true });
      this.hb.registerPartial(macro.name, macro.template);
      this.hb.registerHelper(macro.name, function (this: unknown, ...args: unknown[]) {
        const { values, options } = positional(args);
        helpers().macro(macro.name);
        const context: Record<string, unknown> = { ...(typeof this === 'object' ? this : {}), ...options.hash };
        params.forEach((param, i) => {
          if (i < values.length) context[param] = values[i];
        });
        return render(context, { data: options.data as Handlebars.RuntimeOptions['data'] });
      });
    }
  }

  /** `variables` are visible to the template by name (custom generic tests' model, column, args). */
  render(template: string, helpers: TemplateHelpers, variables: Record<string, unknown> = {}): RenderResult | null {
    this.current = helpers;
    try {
      this.trackPartials(template, helpers);
      // Handlebars reads {{this}} as the current context, not a helper: the context renders as the model's relation.
      const context = { ...variables, toString: () => helpers.this() };
      const sql = this.hb.compile(template, { noEscape: true, strict: true })(context);
      return { sql, lineMap: alignLines(template, sql) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const undefinedName = /"([^"]+)" not defined in .*? - (\d+):(\d+)/.exec(message);
      const missingHelper = /Missing helper: "([^"]+)"/.exec(message);
      const name = undefinedName?.[1] ?? missingHelper?.[1];
      if (name) {
        const available = ['ref', 'source', 'var', 'env', 'config', 'this', 'is_incremental', 'on', ...this.macroNames];
        const at = undefinedName
          ? { line: Number(undefinedName[2]), column: Number(undefinedName[3]) }
          : (findName(template, name) ?? { line: 1, column: 0 });
        helpers.error(
          `"${name}" is not a helper, variable or macro`,
          at,
          didYouMean(name, available) ?? `available: ${available.join(', ')}`,
        );
      } else {
        const problem = explainSyntaxError(template, message, this.stopOf(error));
        helpers.error(problem.message, problem.at, problem.hint);
      }
      return null;
    } finally {
      this.current = null;
    }
  }

  /** Where parsing or compiling stopped: the parser's last token, or the node a compile error names. */
  private stopOf(error: unknown): ParserStop | null {
    const message = error instanceof Error ? error.message : '';
    if (message.startsWith('Parse error')) {
      const at = (this.hb as unknown as { Parser: { lexer: { yylloc?: { first_line: number; first_column: number } } } }).Parser.lexer
        .yylloc;
      return at ? { line: at.first_line, column: at.first_column } : null;
    }
    const located = error as { lineNumber?: number; column?: number };
    return typeof located.lineNumber === 'number' ? { line: located.lineNumber, column: located.column ?? 0 } : null;
  }

  /** Partials are rendered by Handlebars itself, so their use is recorded from the source. */
  private trackPartials(template: string, helpers: TemplateHelpers): void {
    for (const match of template.matchAll(/\{\{~?#?>\s*([A-Za-z_][\w-]*)/g)) {
      if (this.macroNames.has(match[1]!)) helpers.macro(match[1]!);
    }
  }
}

/** A macro names its positional parameters in a leading comment: {{!-- params: column, scale --}} */
export function macroParams(template: string): string[] {
  const match = /^\s*\{\{!--?\s*params:\s*([^}]*?)\s*-?-?\}\}/.exec(template);
  return match
    ? match[1]!
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : [];
}

function findName(template: string, name: string): TemplateLocation | null {
  const lines = template.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const column = lines[i]!.search(new RegExp(`\\{\\{[^}]*\\b${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`));
    if (column !== -1) return { line: i + 1, column };
  }
  return null;
}

export { renderValue };
