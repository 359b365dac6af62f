/**
 * Every word the renderer itself puts on the page, in English, grouped by screen. Words that
 * come from the app (verdict headlines, findings, fields of a check's view) are not here: the
 * core writes those.
 *
 * Strings that take values are functions. Grammar that differs between languages (plurals,
 * lower-casing a title inside a sentence) lives in these functions, not in the components.
 */

/** "1 day", "2 days". */
function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export const en = {
  /** The language tag of this catalog, for `<html lang>`. */
  lang: 'en',

  /** The three parts of an account, as the overview and the progress view name them. */
  roles: {
    incoming: 'Incoming mail',
    outgoing: 'Outgoing mail',
    chat: 'Chat',
  },

  app: {
    name: 'Sealcheck',
    tagline: 'Find out whether your mail and chats are really encrypted, in plain words.',
    navigation: 'Sealcheck',
    tabs: {
      overview: 'Accounts',
      add: 'Add an account',
      import: 'Import',
      quick: 'Check a server',
      settings: 'Settings',
      system: 'System check',
    },
    /** Shown in a plain browser: the sentence, then the command in code, then `after`. */
    notConnected: {
      before:
        'This window is not connected to Sealcheck, so it cannot check anything. Start Sealcheck from its own icon or with',
      command: 'npm start',
      after: '.',
    },
    screenNotLoaded: (reason: string) =>
      `This part of the window could not be loaded (${reason}). Restart Sealcheck.`,
  },

  overview: {
    title: 'Your accounts',
    checkAll: 'Check all',
    startEmpty: 'Start with an empty list',
    empty:
      'No accounts yet. Add the mail or chat account you want to check, bring it over from your mail app, or check one server name right away.',
    addAccount: 'Add an account',
    importAccounts: 'Import from Thunderbird or Pidgin',
    checkServer: 'Check a server name',
    checkedAt: (when: string) => `checked ${when}`,
    neverChecked: 'never checked',
    checkAccount: (name: string) => `Check ${name}`,
    passwordSaved: 'Password saved in the keychain',
    noPassword: 'No password saved',
    passwordUnknown: 'Keychain not available: cannot tell whether a password is saved',
    passwordNotSaved: (why: string) =>
      `The account is saved, but not its password: ${why.replace(/\.$/, '')}. Checks work without it; only the login check needs it. Try again once the keychain is available.`,
    dismiss: 'Dismiss',
    removeAccount: (name: string) => `Remove ${name}`,
  },

  addAccount: {
    title: 'Add an account',
    roles: {
      incoming: 'Incoming mail (IMAP or POP3)',
      outgoing: 'Outgoing mail (SMTP submission)',
      chat: 'Chat (XMPP)',
    },
    /** Where a found server came from. */
    sources: {
      srv: 'found in the domain’s DNS records (not signed)',
      autoconfig: 'from your provider’s setup file',
      guess: 'a guess from usual server names',
    },
    address: 'Your address',
    addressExample: 'you@example.org',
    searching: 'Looking…',
    findServers: 'Find my servers',
    findHint: 'Sealcheck looks the servers up and tries each one. It sends no password.',
    foundFor: (domain: string) => `What Sealcheck found for ${domain}`,
    useServer: (host: string, port: number) => `Use ${host}:${port}`,
    implicit: 'encrypted from the start',
    starttls: 'STARTTLS',
    reachableVerified: 'reachable, certificate verified',
    reachableUnverified: 'reachable, certificate not verified',
    unreachable: 'not reachable',
    serversTitle: 'Servers, as your app is set up',
    serversHint: 'Enter what your mail or chat app uses, so Sealcheck checks the same thing.',
    displayName: 'Name for this account (optional)',
    displayNameExample: 'Work mail',
    username: 'User name (often your address)',
    password: 'Password (optional, for the login check; kept only in your system’s keychain)',
    confirmFound:
      'These are my provider’s servers. (Found servers are suggestions: the certificate will be checked against the names above.)',
    saveAndCheck: 'Save and check',
    save: 'Save',
  },

  endpointFields: {
    kind: 'Kind',
    protocols: { imap: 'IMAP', pop3: 'POP3' },
    server: 'Server',
    serverExample: 'mail.example.org',
    port: 'Port',
    security: 'Security in your app',
    securities: {
      implicit: 'SSL/TLS (encrypted from the start)',
      starttls: 'STARTTLS',
      'starttls-if-available': 'STARTTLS, if available',
      none: 'None',
    },
  },

  importAccounts: {
    title: 'Import from your mail or chat app',
    lead: 'Sealcheck reads how your app is set up. It never reads the passwords your app saved.',
    nothingFound: 'No Thunderbird profile and no Pidgin accounts were found on this computer.',
    readProfile: (name: string) => `Read Thunderbird profile “${name}”`,
    defaultProfile: (root: string) => `${root}, the one Thunderbird opens`,
    readPidgin: 'Read Pidgin’s accounts',
    found: 'Found',
    noAccounts: 'No mail or chat accounts in it.',
    addChosen: 'Add the chosen accounts',
  },

  quickCheck: {
    title: 'Check a server name',
    server: 'Server name',
    serverExample: 'mail.example.org',
    check: 'Check',
    hint: 'Every usual mail and chat port of that server is tried. No password is sent.',
  },

  result: {
    title: 'Check',
    titleOf: (title: string) => `Check of ${title}`,
    gone: 'This check is no longer in this window. Run it again from the overview.',
    running: 'Checking… results appear as each step finishes.',
    cancel: 'Cancel the check',
    cancelled: 'The check was cancelled. Nothing is known from it.',
    failed: (reason: string) => `The check did not finish: ${reason}`,
    checkedAt: (when: string) => `Checked ${when}.`,
    savedReportTitle: 'a saved report',
    savedReport: (file: string) => `Opened from the file ${file}.`,
    savedReportClaims: (when: string, version: string) =>
      `The file says the check ran ${when}, with Sealcheck ${version}. Nothing vouches for that: anyone can edit such a file.`,
    savedReportJudged:
      'What you see is this Sealcheck’s own judgement of the facts in the file, with the authorities this computer trusts. Words saved in the file are never shown.',
    noEndpoints: 'None of the usual mail or chat ports answered on this server.',
    changed: 'Changed since the last check',
    connectionDetails: 'Connection details',
    contacted: 'What Sealcheck contacted',
    yourConnection: 'Your app’s connection',
    earlier: (count: number) => `Earlier checks of this server (${count})`,
    earlierCertificate: (fingerprintStart: string) => `certificate ${fingerprintStart}…`,
    copySummary: 'Copy a summary for the help desk',
    saveReport: 'Save a printable report',
    saveResults: 'Save the full results',
    saveSummary: 'Save the summary',
    summaryCopied: 'The help-desk summary is copied. Paste it into your ticket or mail.',
    savedTo: (path: string) => `Saved to ${path}.`,
    notSaved: 'Not saved.',
  },

  /** Mail sent to the account's domain, between mail servers (the domain check). */
  domain: {
    title: (domain: string) => `Mail sent to ${domain}`,
    intro:
      'How mail from other people reaches this domain: whether their mail servers encrypt it on the way, and whether they are told they must.',
    check: (domain: string) => `Check mail sent to ${domain}`,
    checkAgain: 'Check again',
    blockedHint:
      'This connects to the domain’s mail servers on port 25, which many home networks block. If so, Sealcheck says it could not check.',
    running: 'Checking the domain’s mail servers…',
    cancel: 'Cancel',
    cancelled: 'The domain check was cancelled. Nothing is known from it.',
    failed: (reason: string) => `The domain check did not finish: ${reason}`,
    checkedAt: (when: string) => `Checked ${when}.`,
    attention: 'What needs attention',
    worthKnowing: 'Worth knowing',
    onHost: (host: string) => `On ${host}.`,
    servers: 'Mail servers',
    noServers: 'No mail server was checked.',
    columns: {
      preference: 'Order',
      server: 'Server',
      transport: 'Encryption',
      dane: 'DANE',
      mtaSts: 'MTA-STS',
    },
    noPolicy: 'no policy',
    noAddress: 'no address',
    details: 'DNS details',
  },

  /** A check's live progress, per part and step. */
  progress: {
    states: { started: 'working', done: 'done', failed: 'did not work' },
    steps: {
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
    },
    /** A quick check's part: "IMAP port 993". */
    protocolPort: (protocol: string, port: string) => `${protocol} port ${port}`,
  },

  verdict: {
    /** Short badge words per verdict kind; `none` when the endpoint was never checked. */
    short: {
      'encrypted-verified': 'Encrypted and verified',
      'encrypted-unverified': 'Identity not proven',
      'encryption-removable': 'Encryption can be removed',
      'not-encrypted': 'Not encrypted',
      'could-not-check': 'Could not check',
      'not-served': 'Not served',
      none: 'Not checked yet',
      // Mail sent to a domain (the domain check).
      plaintext: 'Can arrive unencrypted',
      'delivery-at-risk': 'Mail may be held back',
      'downgrade-possible': 'Encrypted, not enforced',
      protected: 'Encrypted and enforced',
      'no-mail': 'Takes no mail',
    },
    severity: {
      critical: 'Needs attention now',
      warning: 'Worth fixing',
      info: 'Good to know',
    },
  },

  finding: {
    onlyOn: (address: string) => `Only on ${address}.`,
    risk: 'Risk:',
    whatToDo: 'What to do:',
    whoCanFix: 'Who can fix it:',
    technicalDetails: (term: string) => `Technical details (${term})`,
  },

  certificate: {
    title: 'Certificate',
    checkedAgainst: 'Checked against',
    nameMatches: 'the certificate is valid for this name.',
    nameDoesNotMatch: 'the certificate is NOT valid for this name.',
    validFor: (names: string) => `Valid for: ${names}`,
    noNames: '(no names)',
    todayInValidity: 'Where today falls in the certificate’s validity',
    fromTo: (from: string, to: string) => `${from} to ${to}`,
    path: 'The path from the server to a trusted authority',
    server: 'The server',
    top: 'Top of the path',
    between: 'Vouches for the one above',
    issuedBy: (issuer: string, origin: string) => `Issued by ${issuer}; ${origin}`,
    problemHere: (problems: string) => `Problem here: ${problems}`,
    technical: 'Key, signature and fingerprints',
    key: 'Key',
    signature: 'Signature',
    valid: 'Valid',
    sha256: 'SHA-256',
    sha1: 'SHA-1',
    copySha256: 'Copy the SHA-256 fingerprint',
    copySha1: 'Copy the SHA-1 fingerprint',
    breaksHere: (reason: string) => `The path breaks here: ${reason}`,
  },

  /** Certificate validity against today. */
  timeline: {
    notYetValid: (days: number) => `Not valid for another ${plural(days, 'day')}.`,
    expired: (days: number) => `Ran out ${plural(days, 'day')} ago.`,
    valid: (daysLeft: number, totalDays: number) =>
      `Valid for ${plural(daysLeft, 'more day')} (of ${plural(totalDays, 'day')}).`,
  },

  copyButton: {
    copy: 'Copy',
    copied: 'Copied',
  },

  warning: {
    title: 'What did your app’s warning say?',
    paste: (host: string) =>
      `Paste the message or error code your app showed for ${host} (for example SEC_ERROR_UNKNOWN_ISSUER)`,
    explain: 'Explain it',
    recognised: (what: string) => `Recognised: ${what}.`,
  },

  fingerprint: {
    title: 'Is this the warning you saw?',
    paste: (host: string) => `Paste the fingerprint your app showed for ${host} (SHA-256 or SHA-1)`,
    compare: 'Compare',
  },

  transcript: {
    summary: (lines: number) => `What was said with the server (${lines} lines, passwords removed)`,
    search: 'Search',
    show: 'Show',
    filters: {
      all: 'everything',
      sent: 'what Sealcheck sent',
      received: 'what the server sent',
      note: 'notes',
    },
    firstMatches: (count: number) => `the first ${count} matches shown`,
    shown: (count: number) => `${count} shown`,
    label: 'Transcript',
    at: (ms: string) => `${ms} ms`,
    /** Read out by screen readers in place of the arrow. */
    directions: { sent: 'sent', received: 'received', note: 'note' },
    secretRemoved: '(secret removed)',
  },

  settings: {
    title: 'Settings',
    timeout: 'How long each server may take to answer (seconds, 5 to 300)',
    save: 'Save',
    saved: 'Saved.',
    rootsTitle: 'Authorities you trust on purpose',
    rootsHint:
      'Some companies use their own certificate authority. Add its certificate only if your employer told you to: Sealcheck will then treat it as trusted, and say so.',
    removeRoot: (label: string) => `Remove ${label}`,
    addRoot: 'Add an authority’s certificate…',
    rootAdded: (file: string) => `Sealcheck now also trusts the authority in ${file}.`,
    noFile: 'No file was chosen.',
    theme: 'Light or dark follows your system’s setting.',
  },

  systemCheck: {
    title: 'System check',
    lead: 'Before it looks at your accounts, Sealcheck makes sure this computer has what the checks need.',
    run: 'Run self-check',
    hint: 'Tests secure connections, the list of trusted authorities and password storage. Nothing leaves this computer.',
  },

  /** The "This copy of Sealcheck" facts on the system check screen. */
  about: {
    title: 'This copy of Sealcheck',
    version: 'Version',
    checksRun: 'Checks run',
    coreHost: {
      'utility-process': 'in a separate helper process, so the window stays responsive',
      'in-process': 'inside this program (command line and test mode)',
    },
    node: 'Node.js',
    openssl: 'OpenSSL',
    electron: 'Electron',
    chromium: 'Chromium',
    system: 'System',
    platforms: {
      linux: 'Linux',
      darwin: 'macOS',
      win32: 'Windows',
      freebsd: 'FreeBSD',
      openbsd: 'OpenBSD',
    },
    unreadable: (reason: string) => `Sealcheck could not read its own version details: ${reason}`,
    reading: 'Reading version details…',
  },

  selfCheck: {
    title: 'Self-check',
    steps: 'Self-check steps',
    technical: 'Technical details',
    checking: (stepTitle: string) => `Checking ${stepTitle.toLowerCase()}…`,
    finishing: 'Finishing…',
    starting: 'Starting…',
    failed: (reason: string) => `The self-check could not finish: ${reason}`,
    noReason: 'no reason given',
    stepTitles: {
      tls: 'Secure connections',
      roots: 'Trusted authorities',
      keychain: 'Password storage (keychain)',
    },
    states: { started: 'Checking…', done: 'Done', failed: 'Failed' },
    keychains: {
      'secret-service': 'the system keyring (Secret Service)',
      keychain: 'the macOS Keychain',
      'macos-keychain': 'the macOS Keychain',
      'windows-credential-manager': 'Windows Credential Manager',
      'credential-manager': 'Windows Credential Manager',
    },
    available: 'Available.',
    availableWith: (detail: string) => `Available (${detail}).`,
    openssl: (version: string) => `OpenSSL ${version}`,
    tlsVersion: (version: string) => `TLS ${version}`,
    tlsRange: (from: string, to: string) => `TLS ${from} to ${to}`,
    tlsFrom: (version: string) => `TLS ${version} or newer`,
    tlsUpTo: (version: string) => `TLS up to ${version}`,
    tlsMissing: 'Not available: Sealcheck cannot test encrypted connections on this computer.',
    publicRoots: (count: number) => `${count} public`,
    systemRoots: (count: number) => `${count} from this system`,
    systemRootsUnreadable: "this system's own list could not be read",
    rootsKnown: (parts: string) => `Known: ${parts}.`,
    rootsMissing:
      'Not known: Sealcheck cannot tell whether a server’s certificate comes from a trusted authority.',
    anchorsFound: (count: number) => `Trust anchors found: ${count} bundled.`,
    keychainAt: (where: string) => `Available: passwords go to ${where}.`,
    keychainMissing: 'Not available: Sealcheck will not store passwords on this computer.',
    noAnswerFrom: (where: string) => `No answer from ${where}.`,
    ready: 'This computer is ready to check your connections.',
    noKeychain:
      'Sealcheck can check your connections, but it cannot store passwords on this computer.',
    someMissing: 'Some checks cannot run on this computer. The steps below say which.',
  },
} as const;
