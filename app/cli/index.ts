/**
 * The `sealcheck` command line. bin/sealcheck.mjs calls `main(process.argv.slice(2))` and exits
 * with the code it returns (see exit-codes.ts). Arguments are parsed with node:util parseArgs.
 */
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import { createKeyringStore, type CredentialStore } from '../core/secrets';
import { ExitCode } from './exit-codes';
import { processIo, type CliIo } from './io';
import { selfCheckCommand } from './self-check';
import { terminalSafe } from './terminal';
import { USAGE, USAGE_HINT } from './usage';

export { ExitCode } from './exit-codes';
export { terminalSafe, jsonForTerminal } from './terminal';
export type { CliIo } from './io';

export interface MainDependencies {
  readonly io?: CliIo;
  /** Defaults to the OS keychain. */
  readonly credentialStore?: () => CredentialStore;
}

const COMMANDS = ['help', 'version', 'self-check'] as const;
type Command = (typeof COMMANDS)[number];

class UsageError extends Error {}

const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const COMMAND_OPTIONS = {
  help: GLOBAL_OPTIONS,
  version: GLOBAL_OPTIONS,
  'self-check': { ...GLOBAL_OPTIONS, json: { type: 'boolean' } },
} as const;

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

export async function main(argv: string[], deps: MainDependencies = {}): Promise<number> {
  const io = deps.io ?? processIo();
  try {
    return await dispatch(argv, io, deps);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`sealcheck: ${terminalSafe(err.message)}\n${USAGE_HINT}\n`);
      return ExitCode.Usage;
    }
    const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
    io.stderr(`sealcheck: internal error: ${terminalSafe(text)}\n`);
    return ExitCode.Internal;
  }
}

async function dispatch(argv: string[], io: CliIo, deps: MainDependencies): Promise<number> {
  // The command is the first word that is not an option; options may come before or after it.
  const at = argv.findIndex((a) => !a.startsWith('-'));
  const word = at >= 0 ? argv[at] : undefined;
  if (word !== undefined && !isCommand(word)) throw new UsageError(`unknown command '${word}'`);
  const command: Command | undefined = word;
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : argv;

  const { values, positionals } = parse(rest, COMMAND_OPTIONS[command ?? 'help'], command);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0] ?? ''}'`);

  if (values.help === true || command === 'help') {
    io.stdout(USAGE);
    return ExitCode.Ok;
  }
  if (values.version === true || command === 'version') {
    io.stdout(`sealcheck ${version}\n`);
    return ExitCode.Ok;
  }
  switch (command) {
    case 'self-check':
      return selfCheckCommand(io, {
        json: 'json' in values && values.json === true,
        credentialStore: (deps.credentialStore ?? createKeyringStore)(),
      });
    case undefined:
      throw new UsageError('no command given');
  }
}

function parse(
  args: string[],
  options: Readonly<Record<string, { type: 'boolean'; short?: string }>>,
  command?: Command,
) {
  // Not strict, so that unknown options come back as tokens and get a short, clear message here.
  const { values, positionals, tokens } = parseArgs({
    args,
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    if (!Object.hasOwn(options, token.name)) {
      throw new UsageError(
        `unknown option '${token.rawName}'${command ? ` for '${command}'` : ''}`,
      );
    }
    if (token.value !== undefined) throw new UsageError(`option '${token.rawName}' takes no value`);
  }
  return { values, positionals };
}
