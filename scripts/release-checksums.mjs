#!/usr/bin/env node
/**
 * `npm run release:checksums [DIR]`: writes DIR/SHA256SUMS (default dist/) for the installers
 * in it, in the format `sha256sum --check` reads, sorted by name. The release job then signs
 * that one file (docs/packaging.md: `gpg --detach-sign --armor SHA256SUMS`), so users verify one
 * signature and then every download against it.
 *
 * Only installers count (AppImage, deb, dmg, exe, zip; not blockmaps or yml); a directory without any
 * is an error, so a release can never ship an empty list.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const INSTALLER = /\.(AppImage|deb|dmg|exe|zip)$/;

export function sha256OfFile(path) {
  return new Promise((done, fail) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => hash.update(d))
      .on('error', fail)
      .on('end', () => done(hash.digest('hex')));
  });
}

export async function checksums(dir) {
  const names = readdirSync(dir)
    .filter((n) => INSTALLER.test(n) && statSync(join(dir, n)).isFile())
    .sort();
  if (names.length === 0) throw new Error(`no installers in ${dir}`);
  const lines = [];
  for (const n of names) lines.push(`${await sha256OfFile(join(dir, n))}  ${n}`);
  return `${lines.join('\n')}\n`;
}

if (import.meta.filename === resolve(process.argv[1] ?? '')) {
  const dir = resolve(process.argv[2] ?? 'dist');
  try {
    const text = await checksums(dir);
    writeFileSync(join(dir, 'SHA256SUMS'), text);
    process.stdout.write(text);
  } catch (err) {
    console.error(`release-checksums: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
