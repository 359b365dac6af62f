/**
 * The STARTTLS command-injection test's fences (IMAP NOOP with a fresh tag, SMTP HELP, POP3
 * CAPA), against servers scripted on loopback. TLS itself is left out here (the Connection's
 * upgrade is a stand-in; the real handshake is covered by test/hostile and test/integration):
 * what matters is the order of the replies after the upgrade.
 *
 * A scripted server answers in order, like a real one: when `vulnerable`, the command pipelined
 * behind STARTTLS is kept and answered when the next line (the fence) arrives, just before it,
 * as a server that executes its buffered plaintext after the handshake does; when fixed, it is
 * discarded; when `silent`, nothing is answered after the go-ahead at all.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { TlsFacts } from '../facts/endpoint';
import { connect } from '../net/tcp-connection';
import type { Connection, TlsUpgrade } from '../net/types';
import type { Dialog } from '../protocols/dialog';
import { imapDialog } from '../protocols/imap';
import { pop3Dialog } from '../protocols/pop3';
import { smtpDialog, submissionDialog } from '../protocols/smtp';
import { runInjectionTest } from './injection';

type Mode = 'vulnerable' | 'fixed' | 'silent';

interface Persona {
  readonly greeting: string;
  /** The reply to one command line; `tls` is true after the go-ahead. */
  reply(line: string): string;
  isStartTls(line: string): boolean;
}

const tagOf = (line: string): string => line.split(' ')[0] ?? '';
const verbOf = (line: string, imap = false): string =>
  (line.split(' ')[imap ? 1 : 0] ?? '').toUpperCase();

const imap: Persona = {
  greeting: '* OK fake IMAP ready\r\n',
  isStartTls: (line) => verbOf(line, true) === 'STARTTLS',
  reply(line) {
    const tag = tagOf(line);
    switch (verbOf(line, true)) {
      case 'CAPABILITY':
        return `* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n${tag} OK done\r\n`;
      case 'STARTTLS':
        return `${tag} OK Begin TLS negotiation now\r\n`;
      case 'NOOP':
        return `${tag} OK NOOP done\r\n`;
      default:
        return `${tag} BAD unknown\r\n`;
    }
  },
};

function smtp(help: string): Persona {
  return {
    greeting: '220 mail.test.example ESMTP fake\r\n',
    isStartTls: (line) => verbOf(line) === 'STARTTLS',
    reply(line) {
      switch (verbOf(line)) {
        case 'EHLO':
          return '250-mail.test.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n';
        case 'STARTTLS':
          return '220 2.0.0 Ready to start TLS\r\n';
        case 'NOOP':
          return '250 2.0.0 Ok\r\n';
        case 'HELP':
          return help;
        default:
          return '502 5.5.2 Error: command not recognized\r\n';
      }
    },
  };
}

function pop3(noop: string, capa = true): Persona {
  return {
    greeting: '+OK fake POP3 ready\r\n',
    isStartTls: (line) => verbOf(line) === 'STLS',
    reply(line) {
      switch (verbOf(line)) {
        case 'CAPA':
          return capa ? '+OK\r\nCAPA\r\nSTLS\r\nUSER\r\n.\r\n' : '-ERR unknown command\r\n';
        case 'STLS':
          return '+OK Begin TLS negotiation\r\n';
        case 'NOOP':
          return noop;
        default:
          return '-ERR unknown command\r\n';
      }
    },
  };
}

const servers: Server[] = [];
const sockets = new Set<Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/**
 * Serves `persona`. After the go-ahead, the next line is the injected command: kept for later
 * (vulnerable, or answered after `injectedAfterMs` on its own), dropped (fixed), or every line
 * is ignored (silent).
 */
async function serve(
  persona: Persona,
  mode: Mode,
  options: { injectedAfterMs?: number } = {},
): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    let pending = '';
    let state: 'plain' | 'injected-next' | 'tls' = 'plain';
    let held: string | null = null;
    socket.write(persona.greeting);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let nl = pending.indexOf('\r\n'); nl >= 0; nl = pending.indexOf('\r\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 2);
        if (state === 'injected-next') {
          state = 'tls';
          if (mode === 'vulnerable') {
            const answer = persona.reply(line);
            if (options.injectedAfterMs === undefined) held = answer;
            else setTimeout(() => socket.write(answer), options.injectedAfterMs);
          }
          continue;
        }
        if (state === 'tls') {
          if (mode === 'silent') continue;
          socket.write((held ?? '') + persona.reply(line));
          held = null;
          continue;
        }
        socket.write(persona.reply(line));
        if (persona.isStartTls(line)) state = 'injected-next';
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  if (!addr || typeof addr !== 'object') throw new Error('no address');
  return addr.port;
}

/** The real Connection, with its TLS upgrade replaced by a stand-in that keeps the socket plain. */
function withoutTls(conn: Connection): Connection {
  let upgraded = false;
  return new Proxy(conn, {
    get(target, prop) {
      if (prop === 'isTls') return upgraded;
      if (prop === 'startTls') {
        return (): Promise<TlsUpgrade> => {
          upgraded = true;
          return Promise.resolve({
            tls: {} as TlsFacts,
            plaintextAfterGoAhead: Buffer.alloc(0),
          });
        };
      }
      const value: unknown = Reflect.get(target, prop);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

async function run(dialog: Dialog, port: number, options: { step?: number; waitMs?: number } = {}) {
  const started = performance.now();
  const result = await runInjectionTest({
    dialog,
    open: async () =>
      withoutTls(
        await connect({ address: '127.0.0.1', port, timeouts: { step: options.step ?? 5_000 } }),
      ),
    context: () => ({ serverName: 'mail.test.example', localAddress: '127.0.0.1' }),
    tls: { serverName: 'mail.test.example' },
    waitMs: options.waitMs ?? 5_000,
  });
  return { ...result, ms: performance.now() - started };
}

const notes = (r: Awaited<ReturnType<typeof run>>): string =>
  (r.connection?.transcript ?? [])
    .filter((t) => t.dir === 'note')
    .map((t) => t.text)
    .join('\n');

const sent = (r: Awaited<ReturnType<typeof run>>): string[] =>
  (r.connection?.transcript ?? []).filter((t) => t.dir === 'sent').map((t) => t.text);

const FENCED: readonly {
  name: string;
  dialog: Dialog;
  persona: Persona;
  fence: RegExp;
  answer: RegExp;
}[] = [
  { name: 'imap', dialog: imapDialog, persona: imap, fence: /^A\d+ NOOP/, answer: /OK NOOP done/ },
  {
    name: 'smtp (HELP not implemented, as Postfix)',
    dialog: smtpDialog,
    persona: smtp('502 5.5.2 Error: command not recognized\r\n'),
    fence: /^HELP/,
    answer: /250 2\.0\.0 Ok/,
  },
  {
    name: 'submission (HELP answered 214)',
    dialog: submissionDialog,
    persona: smtp('214-Commands:\r\n214 EHLO NOOP HELP QUIT\r\n'),
    fence: /^HELP/,
    answer: /250 2\.0\.0 Ok/,
  },
  {
    name: 'pop3 (NOOP answered -ERR before login)',
    dialog: pop3Dialog,
    persona: pop3('-ERR Unknown command: NOOP\r\n'),
    fence: /^CAPA/,
    answer: /-ERR Unknown command: NOOP/,
  },
  {
    name: 'pop3 (NOOP answered +OK)',
    dialog: pop3Dialog,
    persona: pop3('+OK\r\n'),
    fence: /^CAPA/,
    answer: /\+OK \| \+OK/,
  },
];

describe.each(FENCED)('$name: a fence instead of a wait', (c) => {
  it('the injected command answered before the fence: vulnerable', async () => {
    const r = await run(c.dialog, await serve(c.persona, 'vulnerable'));
    expect(r.facts).toMatchObject({ tested: true, command: 'NOOP', vulnerable: true });
    expect(r.facts.error).toBeUndefined();
    expect(r.facts.evidence.join('\n')).toMatch(/NOOP answered inside TLS before the .* fence/);
    expect(r.facts.evidence.join('\n')).toMatch(c.answer);
    expect(sent(r).at(-1)).toMatch(c.fence);
    // Decided by the order of replies, not by a timed wait (waitMs is 5 s here).
    expect(r.ms).toBeLessThan(2_000);
  });

  it('only the fence answered: not vulnerable, at once', async () => {
    const r = await run(c.dialog, await serve(c.persona, 'fixed'));
    expect(r.facts).toMatchObject({ tested: true, command: 'NOOP', vulnerable: false });
    expect(r.facts.evidence).toEqual([]);
    expect(notes(r)).toMatch(/only the .* fence was answered inside TLS/);
    expect(r.ms).toBeLessThan(2_000);
  });

  it('nothing answered inside TLS: the step deadline ends it, unknown', async () => {
    const r = await run(c.dialog, await serve(c.persona, 'silent'), { step: 300 });
    expect(r.facts.vulnerable).toBe('unknown');
    expect(r.facts.error).toMatchObject({ step: 'injection-probe', kind: 'timeout' });
    expect(r.ms).toBeLessThan(2_000);
  });
});

describe('fence edge cases', () => {
  it('SMTP: a server answering HELP with 250 is never taken for vulnerable', async () => {
    const port = await serve(smtp('250 no help here\r\n'), 'fixed');
    const r = await run(smtpDialog, port, { step: 300 });
    // 250 first looks like NOOP's answer; the fence's own reply must follow, and none does.
    expect(r.facts.vulnerable).toBe('unknown');
    expect(r.facts.error).toMatchObject({ step: 'injection-probe', kind: 'timeout' });
  });

  it('IMAP: untagged lines before the fence completion change nothing', async () => {
    const persona: Persona = {
      ...imap,
      reply: (line) =>
        verbOf(line, true) === 'NOOP'
          ? `* OK still here\r\n${tagOf(line)} OK NOOP done\r\n`
          : imap.reply(line),
    };
    const fixed = await run(imapDialog, await serve(persona, 'fixed'));
    expect(fixed.facts.vulnerable).toBe(false);
    const vulnerable = await run(imapDialog, await serve(persona, 'vulnerable'));
    expect(vulnerable.facts.vulnerable).toBe(true);
  });

  it('POP3 without CAPA has no fence: the timed wait decides', async () => {
    const persona = pop3('+OK\r\n', false);
    const vulnerable = await run(
      pop3Dialog,
      await serve(persona, 'vulnerable', { injectedAfterMs: 20 }),
      {
        waitMs: 300,
      },
    );
    expect(vulnerable.facts.vulnerable).toBe(true);
    expect(vulnerable.facts.evidence.join('\n')).toMatch(/unsolicited inside TLS.*\+OK/);
    expect(notes(vulnerable)).toMatch(/waiting \d+ ms inside TLS/);
    const fixed = await run(pop3Dialog, await serve(persona, 'fixed'), { waitMs: 300 });
    expect(fixed.facts.vulnerable).toBe(false);
    expect(fixed.ms).toBeGreaterThanOrEqual(290);
  });
});
