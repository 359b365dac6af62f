/**
 * Build checks of the renderer: its JavaScript within the size budget, and its syntax target
 * tied to the Chromium of the Electron the app ships with.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RENDERER_TARGET } from '../../electron.vite.config';
import { RENDERER_JS_BUDGET_BYTES, rendererSize } from '../../scripts/renderer-budget';
import { ensureBuilt, outDir, repoRoot } from './support/built';

beforeAll(() => ensureBuilt(), 200_000);

describe('the built renderer', () => {
  it('ships under 200 KB of JavaScript, gzipped', () => {
    const size = rendererSize(join(outDir, 'renderer'));
    expect(size.files.length).toBeGreaterThan(0);
    expect(size.jsGzip).toBeGreaterThan(1000); // the measurement saw the real bundle
    expect(size.jsGzip).toBeLessThan(RENDERER_JS_BUDGET_BYTES);
  });

  it('targets the Chromium of the Electron in package.json (Electron 45: Chromium 154)', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const major = Number(/(\d+)/.exec(pkg.devDependencies.electron ?? '')?.[1]);
    // Bumping Electron means revisiting the target in electron.vite.config.ts.
    expect({ major, target: RENDERER_TARGET }).toEqual({ major: 45, target: 'chrome154' });
  });
});
