/** XMPP payloads built to exhaust a parser, shared by the bomb cases and the memory bounds. */
import type { Peer } from './peer';
import type { Act } from './servers';

/** Writes `head`, then `bytes` copies of `fill` (streamed with backpressure), then `tail`, then holds. */
export function bomb(head: string, fill: string, bytes: number, tail: string): Act {
  const chunk = Buffer.alloc(64 * 1024, fill);
  return async (peer: Peer) => {
    await peer.write(head);
    await peer.stream(chunk, bytes);
    await peer.write(tail);
    await peer.hold();
    return 'stop';
  };
}

/** Sends `xml` and holds the connection open. */
export function sendAndHold(xml: string): Act {
  return async (peer) => {
    await peer.write(xml);
    await peer.hold();
    return 'stop';
  };
}

export const BILLION_LAUGHS =
  "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>" +
  Array.from(
    { length: 9 },
    (_, i) => `<!ENTITY lol${i + 1} '${`&lol${i === 0 ? '' : i};`.repeat(10)}'>`,
  ).join('') +
  ']>';

export const streamOpen =
  "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'" +
  " id='b' from='hostile.test' version='1.0'>";
