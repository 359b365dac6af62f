/**
 * Test support: a process that changes the account store without pause until it is killed
 * (store.test.ts kills it with SIGKILL at random moments). Prints "ready" once, then one line
 * per completed change. Usage: node --import tsx store-writer.ts <directory> <label>
 */
import { openAccountStore } from '../store';

const [directory, label] = process.argv.slice(2);
if (directory === undefined || label === undefined) throw new Error('usage: <directory> <label>');
const store = openAccountStore({ directory, lockWaitMs: 30_000 });
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const accounts = await store.list();
  if (accounts.length >= 20) {
    const first = accounts[0];
    if (first) await store.remove(first.id);
  } else {
    await store.add({
      displayName: `${label} ${i} ${'x'.repeat(i % 200)}`,
      address: `user${i}@example.org`,
      username: `user${i}`,
      incoming: { protocol: 'imap', host: 'mail.example.org', port: 993, security: 'implicit' },
      outgoing: null,
      chat: null,
    });
  }
  process.stdout.write(`${i}\n`);
}
