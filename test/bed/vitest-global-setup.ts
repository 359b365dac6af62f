/**
 * Vitest global setup: makes sure the real-server bed runs for this Vitest run.
 *
 * Under `npm test`, scripts/test.mjs has already started the one bed of the run and set
 * SEALCHECK_BED: nothing to do. When Vitest runs alone (`npx vitest run …`), this starts a bed
 * and publishes it the same way; the test workers are forked after global setup and inherit
 * process.env, so loadBed() finds it. The bed's path is also provided as `inject('sealcheckBed')`.
 *
 * Not started when SEALCHECK_NO_BED=1 or when not running as root (Postfix and Dovecot need it):
 * unit tests still run; tests that need the bed fail with loadBed()'s message.
 */
import type { TestProject } from 'vitest/node';
import { BED_ENV } from './endpoints';

declare module 'vitest' {
  export interface ProvidedContext {
    sealcheckBed: string;
  }
}

export default async function setup(
  project: TestProject,
): Promise<(() => Promise<void>) | undefined> {
  const existing = process.env[BED_ENV];
  if (existing) {
    project.provide('sealcheckBed', existing);
    return undefined;
  }
  if (process.env.SEALCHECK_NO_BED === '1' || process.getuid?.() !== 0) {
    // Unit tests alone need no servers; tests that do will fail with loadBed()'s message.
    console.error(
      `[bed] not started (${process.env.SEALCHECK_NO_BED === '1' ? 'SEALCHECK_NO_BED=1' : 'the bed needs root'}): integration tests will fail`,
    );
    return undefined;
  }
  const { startBed } = await import('./index');
  const bed = await startBed();
  process.env[BED_ENV] = bed.file;
  project.provide('sealcheckBed', bed.file);
  return async () => {
    Reflect.deleteProperty(process.env, BED_ENV);
    await bed.stop();
  };
}
