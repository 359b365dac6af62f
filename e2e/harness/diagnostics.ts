/**
 * What a page says while a test runs: every console message, uncaught errors and
 * Content-Security-Policy violations (including Trusted Types). Tests fail on any problem;
 * the full log is attached to the report when a test fails.
 */
import type { ConsoleMessage, Page } from '@playwright/test';

export interface CspViolation {
  readonly directive: string;
  readonly blockedURI: string;
  readonly sample: string;
  readonly sourceFile: string;
  readonly line: number;
}

export interface PageDiagnostics {
  /** Every console message and page error, in order, as text lines. */
  readonly log: string[];
  /** Console errors, uncaught page errors and CSP violations: each one fails the test. */
  readonly problems: string[];
  readonly cspViolations: CspViolation[];
}

const VIOLATION_BINDING = '__sealcheckCspViolation';

/** Starts watching `page`; call before the page loads so nothing is missed. */
export async function watchPage(page: Page): Promise<PageDiagnostics> {
  const started = Date.now();
  const stamp = () => `+${String(Date.now() - started).padStart(5)} ms`;
  const diagnostics: PageDiagnostics = { log: [], problems: [], cspViolations: [] };

  page.on('console', (message: ConsoleMessage) => {
    const where = message.location().url ? ` (${message.location().url})` : '';
    const line = `${stamp()} console.${message.type()}: ${message.text()}${where}`;
    diagnostics.log.push(line);
    if (message.type() === 'error') diagnostics.problems.push(line);
  });
  page.on('pageerror', (error) => {
    const line = `${stamp()} uncaught: ${error.stack ?? error.message}`;
    diagnostics.log.push(line);
    diagnostics.problems.push(line);
  });
  page.on('requestfailed', (request) => {
    diagnostics.log.push(
      `${stamp()} request failed: ${request.url()} (${request.failure()?.errorText ?? '?'})`,
    );
  });

  await page.exposeBinding(VIOLATION_BINDING, (_source, violation: CspViolation) => {
    diagnostics.cspViolations.push(violation);
    const line = `${stamp()} CSP violation: ${violation.directive} blocked ${violation.blockedURI || '(inline)'} ${violation.sourceFile}:${violation.line} ${violation.sample}`;
    diagnostics.log.push(line);
    diagnostics.problems.push(line);
  });
  await page.addInitScript((binding: string) => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (globalThis as unknown as Record<string, (v: unknown) => void>)[binding];
      report?.({
        directive: event.effectiveDirective || event.violatedDirective,
        blockedURI: event.blockedURI,
        sample: event.sample,
        sourceFile: event.sourceFile,
        line: event.lineNumber,
      });
    });
  }, VIOLATION_BINDING);
  return diagnostics;
}
