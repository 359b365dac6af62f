/** Keeping what a failed test saw: files in the test's output folder, attached to the report. */
import { writeFile } from 'node:fs/promises';
import type { TestInfo } from '@playwright/test';

export function failed(testInfo: TestInfo): boolean {
  return testInfo.status !== testInfo.expectedStatus;
}

/** Writes a log into the test's output directory (kept in test-results/) and attaches it. */
export async function keepArtifact(testInfo: TestInfo, name: string, body: string): Promise<void> {
  const path = testInfo.outputPath(name);
  await writeFile(path, `${body || '(empty)'}\n`);
  await testInfo.attach(name, {
    path,
    contentType: name.endsWith('.json') ? 'application/json' : 'text/plain',
  });
}
