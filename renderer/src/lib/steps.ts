/** A check's steps in words, for the live progress view. */
const STEP_WORDS: Readonly<Record<string, string>> = {
  resolve: 'Finding the server',
  connect: 'Connecting',
  greeting: 'Waiting for the greeting',
  capabilities: 'Asking what the server offers',
  'login-probe': 'Checking whether it asks for a password too early',
  starttls: 'Asking to switch on encryption',
  handshake: 'Setting up encryption',
  'capabilities-after-tls': 'Asking again, now encrypted',
  'injection-probe': 'Testing for a known STARTTLS flaw',
  'scan-versions': 'Checking which versions it accepts',
  'scan-ciphers': 'Looking for weak kinds of encryption',
  close: 'Saying goodbye',
};

export function stepWords(step: string): string {
  return STEP_WORDS[step] ?? step;
}

const SCOPE_WORDS: Readonly<Record<string, string>> = {
  incoming: 'Incoming mail',
  outgoing: 'Outgoing mail',
  chat: 'Chat',
};

/** "incoming" → "Incoming mail"; "imap:993" → "IMAP port 993". */
export function scopeWords(scope: string): string {
  const known = SCOPE_WORDS[scope];
  if (known) return known;
  const m = /^([a-z0-9]+):(\d+)$/.exec(scope);
  return m ? `${(m[1] ?? '').toUpperCase()} port ${m[2] ?? ''}` : scope;
}
