/**
 * "Your clock is 5 days ahead", not "the certificate has expired": this computer's clock is set
 * 5 days ahead (injected into the probe and the judge), the server's certificate is valid for
 * two days from now (real time), and an SMTP server states the real time in its greeting, as
 * Exim, Sendmail and Exchange do. Controls: a server that states no time, and one whose stated
 * time agrees with this computer's, leave the certificate finding as it is.
 */
import { describe, expect, it } from 'vitest';
import { defaultTrustStores } from '../../app/core/cert';
import { explain } from '../../app/core/explain/catalog';
import { judgeEndpoint } from '../../app/core/findings/judge';
import type { LookupFunction } from '../../app/core/net/resolve';
import { probeEndpoint } from '../../app/core/probe';
import { dialogServer, startHostileServer, type Act } from '../hostile/servers';
import { HOSTILE_NAME, hostileCert } from '../hostile/tls-servers';

const lookup: LookupFunction = (_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]);
const AHEAD_MS = 5 * 86_400_000;

/** RFC 5322 date as Exim writes it. */
function rfc5322(ms: number): string {
  const d = new Date(ms);
  const day = d.toUTCString().slice(0, 3);
  const two = (n: number) => String(n).padStart(2, '0');
  const month = d.toUTCString().slice(8, 11);
  return `${day}, ${two(d.getUTCDate())} ${month} ${d.getUTCFullYear()} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

function greetingStating(time: (() => number) | null): Act {
  return async (peer) => {
    await peer.write(`220 ${HOSTILE_NAME} ESMTP Exim 4.96${time ? ` ${rfc5322(time())}` : ''}\r\n`);
    return 'continue';
  };
}

async function checkWithClockAhead(stated: (() => number) | null) {
  const server = await startHostileServer(
    dialogServer('submission', { greeting: greetingStating(stated) }),
  );
  const { cert } = await hostileCert();
  try {
    const ourClock = () => Date.now() + AHEAD_MS;
    const facts = await probeEndpoint(
      { host: HOSTILE_NAME, port: server.port, protocol: 'submission', security: 'starttls' },
      { lookup, extraCa: [cert], scan: 'off', injectionTest: false, wallClock: ourClock },
    );
    return judgeEndpoint(facts, { trust: defaultTrustStores([cert]), now: new Date(ourClock()) });
  } finally {
    await server.close();
  }
}

describe('clock diagnosis from the time a server states', () => {
  it('the server states the real time: "your clock is ahead", and no expired certificate', async () => {
    const j = await checkWithClockAhead(() => Date.now());
    expect(j.facts.addresses[0]?.greeting?.serverTime?.said).toMatch(/\+0000$/);
    const ids = j.findings.map((f) => f.id);
    expect(ids).toContain('clock.suspect');
    expect(ids).not.toContain('cert.expired');
    const clock = j.findings.find((f) => f.id === 'clock.suspect');
    expect(clock?.evidence).toMatchObject({ basis: 'server-time' });
    const skew = (clock?.evidence as { skewSeconds: number }).skewSeconds;
    expect(Math.abs(skew - AHEAD_MS / 1000)).toBeLessThan(120);
    const e = clock ? explain(clock) : null;
    expect(e?.meaning).toContain('says it is');
    expect(e?.meaning).toMatch(/5 days ahead/);
    expect(e?.whoCanFix).toBe('clock');
  });

  it('a server that states no time: the certificate looks expired, as it does from here', async () => {
    const ids = (await checkWithClockAhead(null)).findings.map((f) => f.id);
    expect(ids).toContain('cert.expired');
    expect(ids).not.toContain('clock.suspect');
  });

  it('a server whose stated time agrees with this computer: the certificate finding stays', async () => {
    const ids = (await checkWithClockAhead(() => Date.now() + AHEAD_MS)).findings.map((f) => f.id);
    expect(ids).toContain('cert.expired');
    expect(ids).not.toContain('clock.suspect');
  });
});
