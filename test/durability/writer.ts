/**
 * A writer process for store-kill.test.ts: changes its part of one store without pause until
 * it is killed, announcing each change before it starts and after it is made.
 *
 *   node writer.mjs <accounts|settings|history> <directory>
 *
 * Prints "ready" once the store is open, then waits for "go <slot> <first n> <seed>" on stdin,
 * reads its part ("start <hash>"), and for n, n+1, …: "writing <n> <hash of the part it will
 * leave>", the change through the store's API, "done <n>". (On Linux a write to a pipe is done
 * when write() returns: what was announced before a SIGKILL reaches the parent.)
 */
import { changeRandom, contentHash, subjectNamed, timeOf, type Clock, type Slot } from './subjects';

const [name, directory] = process.argv.slice(2);
if (name === undefined || directory === undefined) throw new Error('usage: <store> <directory>');
const clock: Clock = { now: new Date(0) };
const store = subjectNamed(name).open(directory, clock);
const say = (line: string): void => void process.stdout.write(`${line}\n`);
// A spare writer waits for its turn: reading once first makes its first change faster.
await store.part('a');

const go = await new Promise<string>((resolve) => {
  let text = '';
  process.stdin.on('data', (d: Buffer) => {
    text += d.toString();
    const end = text.indexOf('\n');
    if (end >= 0) resolve(text.slice(0, end));
  });
  say('ready');
});
const [word, slotText, firstText, seedText] = go.split(' ');
if (word !== 'go' || (slotText !== 'a' && slotText !== 'b')) throw new Error(`not a go: ${go}`);
const slot: Slot = slotText;
const seed = Number(seedText);

let part = await store.part(slot);
say(`start ${contentHash(part)}`);
for (let n = Number(firstText); ; n++) {
  clock.now = timeOf(slot, n);
  const change = store.next(slot, n, part, changeRandom(seed, slot, n));
  say(`writing ${n} ${contentHash(change.after)}`);
  await change.run();
  say(`done ${n}`);
  part = change.after;
}
