/**
 * The renderer's size budget: its JavaScript, gzipped, stays under 200 KB (issue 8). Measured on
 * the built output (out/renderer) by the build check test and printed by `npm run bench`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export const RENDERER_JS_BUDGET_BYTES = 200 * 1024;

export interface RendererSize {
  readonly files: readonly {
    readonly name: string;
    readonly bytes: number;
    readonly gzip: number;
  }[];
  readonly jsBytes: number;
  readonly jsGzip: number;
  readonly cssGzip: number;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Sizes of the built renderer's scripts and styles, raw and gzipped (level 9, as servers ship). */
export function rendererSize(rendererOut: string): RendererSize {
  const files = walk(rendererOut)
    .filter((p) => /\.(m?js|css)$/.test(p))
    .map((p) => {
      const body = readFileSync(p);
      return {
        name: p.slice(rendererOut.length + 1),
        bytes: body.length,
        gzip: gzipSync(body, { level: 9 }).length,
      };
    });
  const sum = (list: typeof files, key: 'bytes' | 'gzip') => list.reduce((n, f) => n + f[key], 0);
  const js = files.filter((f) => /\.m?js$/.test(f.name));
  const css = files.filter((f) => f.name.endsWith('.css'));
  return { files, jsBytes: sum(js, 'bytes'), jsGzip: sum(js, 'gzip'), cssGzip: sum(css, 'gzip') };
}
