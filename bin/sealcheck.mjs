#!/usr/bin/env node
// The npm bin: loads the built command line (npm install runs "prepare", which builds it).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../out/cli/sealcheck.mjs', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write('sealcheck: the command line is not built yet; run "npm run build:cli".\n');
  process.exit(70);
}
const { main } = await import(built);
process.exitCode = await main(process.argv.slice(2));
