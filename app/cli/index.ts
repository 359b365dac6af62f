/**
 * The `sealcheck` command line. bin/sealcheck.mjs calls `main(process.argv.slice(2))` and exits
 * with the code it returns (see exit-codes.ts). Arguments are parsed with node:util parseArgs.
 */
import { parseArgs } from 'node:util';
import { version } from '../../package.json';
import type { CredentialStore } from '../core/secrets';
import { ExitCode } from './exit-codes';
import { processIo, type CliIo } from './io';
import {
  CHECK_OPTIONS,
  checkCommand,
  checkRequest,
  type CheckDependencies,
} from './commands/check';
import { DOMAIN_OPTIONS, domainCommand, domainRequest } from './commands/domain';
import { COMPARE_OPTIONS, compareCommand, compareRequest } from './commands/compare';
import { REPORT_OPTIONS, reportCommand, reportRequest } from './commands/report';
import { terminalSafe } from './terminal';
import { USAGE, USAGE_HINT, UsageError } from './usage';

export { ExitCode } from './exit-codes';
export { terminalSafe, jsonForTerminal } from './terminal';
export type { CliIo } from './io';

export interface MainDependencies {
  readonly io?: CliIo;
  /** Defaults to the OS keychain. */
  readonly credentialStore?: () => CredentialStore;
  /** For `check`: a fake probe or lookup in tests; a cancel signal (defaults to Ctrl-C). */
  readonly check?: Partial<CheckDependencies>;
}

const COMMANDS = ['help', 'version', 'self-check', 'check', 'domain', 'report', 'compare'] as const;
type Command = (typeof COMMANDS)[number];

const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const COMMAND_OPTIONS = {
  help: GLOBAL_OPTIONS,
  version: GLOBAL_OPTIONS,
  'self-check': { ...GLOBAL_OPTIONS, json: { type: 'boolean' } },
  check: { ...GLOBAL_OPTIONS, ...CHECK_OPTIONS },
  domain: { ...GLOBAL_OPTIONS, ...DOMAIN_OPTIONS },
  report: { ...GLOBAL_OPTIONS, ...REPORT_OPTIONS },
  compare: { ...GLOBAL_OPTIONS, ...COMPARE_OPTIONS },
} as const;

/** Commands that take positional arguments (check's host names, domain's domains, report's file). */
const TAKES_ARGUMENTS: ReadonlySet<Command> = new Set(['check', 'domain', 'report', 'compare']);

interface OptionSpec {
  readonly type: 'boolean' | 'string';
  readonly short?: string;
  readonly multiple?: boolean;
}

/** Options that take a value, of any command: their value is never the command word. */
const VALUE_OPTIONS: ReadonlySet<string> = new Set(
  Object.values(COMMAND_OPTIONS).flatMap((options) =>
    Object.entries(options as Readonly<Record<string, OptionSpec>>)
      .filter(([, spec]) => spec.type === 'string')
      .map(([name]) => `--${name}`),
  ),
);

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
  // The command is the first word that is neither an option nor an option's value; options
  // may come before or after it.
  const at = argv.findIndex((a, i) => !a.startsWith('-') && !VALUE_OPTIONS.has(argv[i - 1] ?? ''));
  const word = at >= 0 ? argv[at] : undefined;
  if (word !== undefined && !isCommand(word)) throw new UsageError(`unknown command '${word}'`);
  const command: Command | undefined = word;
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 1)] : argv;

  const { values, positionals } = parse(rest, COMMAND_OPTIONS[command ?? 'help'], command);
  if (positionals.length > 0 && (command === undefined || !TAKES_ARGUMENTS.has(command)))
    throw new UsageError(`unexpected argument '${positionals[0] ?? ''}'`);

  if (values.help === true || command === 'help') {
    io.stdout(USAGE);
    return ExitCode.Ok;
  }
  if (values.version === true || command === 'version') {
    io.stdout(`sealcheck ${version}\n`);
    return ExitCode.Ok;
  }
  switch (command) {
    case 'self-check': {
      // Loaded on demand: the keychain binding is native code that `check` never needs.
      const [{ selfCheckCommand }, { createKeyringStore }] = await Promise.all([
        import('./self-check'),
        import('../core/secrets'),
      ]);
      return selfCheckCommand(io, {
        json: 'json' in values && values.json === true,
        credentialStore: (deps.credentialStore ?? createKeyringStore)(),
      });
    }
    case 'check':
      return runCheck(values, positionals, io, deps);
    case 'domain': {
      const request = domainRequest(values, positionals);
      return withCancel(deps.check?.signal, (signal) =>
        domainCommand(io, request, { version, signal }),
      );
    }
    case 'report':
      return reportCommand(io, reportRequest(values, positionals), { version });
    case 'compare':
      return compareCommand(io, compareRequest(values, positionals));
    case undefined:
      throw new UsageError('no command given');
  }
}

/** Ctrl-C cancels (what was seen so far is still printed, exit 2); a second one kills. */
async function withCancel<T>(
  given: AbortSignal | undefined,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  if (given !== undefined) return run(given);
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

async function runCheck(
  values: Readonly<Record<string, unknown>>,
  positionals: string[],
  io: CliIo,
  deps: MainDependencies,
): Promise<number> {
  const request = checkRequest(values, positionals);
  return withCancel(deps.check?.signal, (signal) =>
    checkCommand(io, request, {
      version,
      signal,
      ...(deps.check?.probe ? { probe: deps.check.probe } : {}),
      ...(deps.check?.lookup ? { lookup: deps.check.lookup } : {}),
    }),
  );
}

function parse(args: string[], options: Readonly<Record<string, OptionSpec>>, command?: Command) {
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
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (spec === undefined) {
      throw new UsageError(
        `unknown option '${token.rawName}'${command ? ` for '${command}'` : ''}`,
      );
    }
    if (spec.type === 'boolean' && token.value !== undefined)
      throw new UsageError(`option '${token.rawName}' takes no value`);
    if (spec.type === 'string' && (token.value === undefined || token.value === ''))
      throw new UsageError(`option '${token.rawName}' needs a value`);
    if (spec.type === 'string' && spec.multiple !== true) {
      const count = tokens.filter((t) => t.kind === 'option' && t.name === token.name).length;
      if (count > 1) throw new UsageError(`option '${token.rawName}' given more than once`);
    }
  }
  return { values, positionals };
}
