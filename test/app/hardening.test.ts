/**
 * Fails when the window's hardening is weakened: webPreferences, the CSP of the BUILT
 * renderer, navigation / new-window / permission / request handlers, external links,
 * and insecure options anywhere in our sources.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { App, Session, WebContents } from 'electron';
import {
  CONTENT_SECURITY_POLICY,
  CONTENT_SECURITY_POLICY_HEADER,
  parseCsp,
} from '../../app/main/csp';
import {
  hardenApp,
  hardenSession,
  hardenWebContents,
  isAllowedRequestUrl,
  isSafeExternalUrl,
  SECURE_WEB_PREFERENCES,
  type HardeningOptions,
} from '../../app/main/hardening';
import { APP_SCHEME_PRIVILEGES } from '../../app/main/protocol';
import { ensureBuilt, outDir, repoRoot } from './support/built';

describe('webPreferences', () => {
  it('keep every protection on', () => {
    expect(SECURE_WEB_PREFERENCES).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      plugins: false,
      disableBlinkFeatures: 'Auxclick',
      enableBlinkFeatures: '',
    });
    expect(SECURE_WEB_PREFERENCES).not.toHaveProperty('preload');
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(SECURE_WEB_PREFERENCES)).toBe(true);
    expect(() => {
      (SECURE_WEB_PREFERENCES as { sandbox: boolean }).sandbox = false;
    }).toThrow(TypeError);
  });

  it('are what the main window uses, adding only the preload and devTools', () => {
    const main = readFileSync(join(repoRoot, 'app/main/index.ts'), 'utf8');
    const windows = main.match(/new BrowserWindow\(/g) ?? [];
    expect(windows).toHaveLength(1);
    const block = /webPreferences:\s*\{([^}]*)\}/.exec(main)?.[1] ?? '';
    const keys = block
      .split(/,\s*/)
      .map((part) => part.replace(/\/\/.*$/gm, '').trim())
      .filter(Boolean)
      .map((part) => part.split(':')[0]?.trim());
    expect(keys).toEqual(['...SECURE_WEB_PREFERENCES', 'preload', 'devTools']);
    // The scheme is registered as privileged, the sandbox is enabled app-wide, and hardening runs before ready.
    expect(main).toMatch(/protocol\.registerSchemesAsPrivileged\(/);
    expect(main).toMatch(/hardenApp\(app,/);
    expect(main).toMatch(/loadURL\(.*APP_INDEX_URL/);
    expect(main).not.toMatch(/loadFile\(|file:\/\//);
  });
});

describe('app:// scheme privileges', () => {
  it('are standard and secure, and bypass nothing', () => {
    expect(APP_SCHEME_PRIVILEGES).toEqual({
      standard: true,
      secure: true,
      supportFetchAPI: false,
      corsEnabled: false,
      bypassCSP: false,
      allowServiceWorkers: false,
      stream: false,
    });
  });
});

describe('Content-Security-Policy', () => {
  let builtHtml = '';
  let builtAssets: string[] = [];

  beforeAll(() => {
    ensureBuilt();
    builtHtml = readFileSync(join(outDir, 'renderer/index.html'), 'utf8');
    builtAssets = readdirSync(join(outDir, 'renderer/assets')).map((f) =>
      join(outDir, 'renderer/assets', f),
    );
  }, 180_000);

  function strictnessProblems(policy: string): string[] {
    const problems: string[] = [];
    const csp = parseCsp(policy);
    if (csp.get('default-src')?.join(' ') !== "'none'") problems.push("default-src is not 'none'");
    if (csp.get('script-src')?.join(' ') !== "'self'")
      problems.push("script-src is not exactly 'self'");
    for (const name of ['object-src', 'base-uri', 'form-action', 'connect-src']) {
      if (csp.get(name)?.join(' ') !== "'none'") problems.push(`${name} is not 'none'`);
    }
    if (csp.get('require-trusted-types-for')?.join(' ') !== "'script'")
      problems.push('Trusted Types are not required');
    const tt = csp.get('trusted-types') ?? [];
    if (tt.length === 0 || tt.some((v) => v === '*' || v === "'allow-duplicates'"))
      problems.push('trusted-types is open');
    for (const [name, values] of csp) {
      for (const value of values) {
        if (/^'unsafe-/.test(value) || value === "'wasm-unsafe-eval'")
          problems.push(`${name} allows ${value}`);
        if (value.includes('*')) problems.push(`${name} has a wildcard`);
        if (
          /^(https?|wss?|ftp|file|blob|filesystem):?$/i.test(value) ||
          /^(https?|wss?):\/\//i.test(value)
        ) {
          problems.push(`${name} allows ${value}`);
        }
        if (value === 'data:' && name !== 'img-src') problems.push(`${name} allows data:`);
      }
    }
    return problems;
  }

  it('the exported policy is strict', () => {
    expect(strictnessProblems(CONTENT_SECURITY_POLICY)).toEqual([]);
    expect(strictnessProblems(CONTENT_SECURITY_POLICY_HEADER)).toEqual([]);
    expect(parseCsp(CONTENT_SECURITY_POLICY_HEADER).get('frame-ancestors')).toEqual(["'none'"]);
  });

  it('the checker catches weakened policies', () => {
    const weakened = [
      CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'"),
      CONTENT_SECURITY_POLICY.replace("script-src 'self'", "script-src 'self' 'unsafe-eval'"),
      CONTENT_SECURITY_POLICY.replace("default-src 'none'", 'default-src *'),
      CONTENT_SECURITY_POLICY.replace("connect-src 'none'", 'connect-src https:'),
      CONTENT_SECURITY_POLICY.replace("require-trusted-types-for 'script'; ", ''),
      CONTENT_SECURITY_POLICY.replace('trusted-types svelte-trusted-html', 'trusted-types *'),
      CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'"),
    ];
    for (const policy of weakened) expect(strictnessProblems(policy), policy).not.toEqual([]);
  });

  it('the BUILT index.html carries exactly the exported policy, once', () => {
    const metas = [
      ...builtHtml.matchAll(/<meta\s[^>]*http-equiv=["']?Content-Security-Policy["']?[^>]*>/gi),
    ];
    expect(metas).toHaveLength(1);
    const content = /content="([^"]*)"/i.exec(metas[0]?.[0] ?? '')?.[1];
    expect(content).toBe(CONTENT_SECURITY_POLICY);
    // The meta tag must come before any script or stylesheet, or those would load unchecked.
    expect(builtHtml.indexOf('Content-Security-Policy')).toBeLessThan(
      builtHtml.search(/<script|<link rel="stylesheet"/i),
    );
  });

  it('the BUILT index.html has nothing the policy would block or that would need a weaker one', () => {
    expect(builtHtml).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i); // inline script
    expect(builtHtml).not.toMatch(/<style[\s>]/i); // inline style element
    expect(builtHtml).not.toMatch(/\sstyle=/i); // style attribute
    expect(builtHtml).not.toMatch(/\son[a-z]+=/i); // inline event handler
    for (const [, url] of builtHtml.matchAll(/\s(?:src|href)="([^"]*)"/gi)) {
      expect(url, 'resources come from our own origin').toMatch(/^(\.\/|\/(?!\/)|data:,?$|#)/);
    }
  });

  it('the BUILT bundle creates no Trusted Types policy the CSP does not allow', () => {
    const allowed = parseCsp(CONTENT_SECURITY_POLICY).get('trusted-types') ?? [];
    const js = builtAssets.filter((f) => f.endsWith('.js')).map((f) => readFileSync(f, 'utf8'));
    const created = js.flatMap((code) =>
      [...code.matchAll(/createPolicy\(\s*["'`]([^"'`]+)["'`]/g)].map((m) => m[1]),
    );
    expect(created.length).toBeGreaterThan(0); // Svelte's policy is there
    for (const name of created) expect(allowed).toContain(name);
    expect(js.join('\n')).not.toMatch(/\beval\(|new Function\(/);
  });

  it("the BUILT styles are files, which style-src 'self' allows", () => {
    expect(builtAssets.some((f) => f.endsWith('.css'))).toBe(true);
    expect(builtHtml).toMatch(/<link rel="stylesheet"[^>]*href="\.\/assets\/[^"]+\.css"/);
  });
});

describe('isSafeExternalUrl', () => {
  it.each([
    'https://www.rfc-editor.org/rfc/rfc8314',
    'https://example.org/',
    'https://example.org/path?q=1#frag',
    'https://xn--bcher-kva.example/',
  ])('allows %s', (url) => {
    expect(isSafeExternalUrl(url)).toBe(true);
  });

  it.each([
    ['plain http', 'http://example.org/'],
    ['file', 'file:///etc/passwd'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/html,<script>alert(1)</script>'],
    ['a custom scheme', 'ms-msdt:/id PCWDiagnostic'],
    ['smb', 'smb://server/share'],
    ['credentials', 'https://user:pw@example.org/'],
    ['a user name', 'https://user@example.org/'],
    ['an explicit port', 'https://example.org:8443/'],
    ['a missing slash', 'https:/example.org/'],
    ['no slashes', 'https:example.org'],
    ['spaces', 'https://example.org/a b'],
    ['a leading space', ' https://example.org/'],
    ['a newline', 'https://example.org/\n'],
    ['a bidi override', 'https://example.org/\u202efdp.exe'],
    ['Unicode', 'https://bücher.example/'],
    ['a backslash host trick', 'https:\\\\example.org'],
    ['a backslash before @', 'https://example.org\\@evil.example/'],
    ['empty', ''],
    ['too long', `https://example.org/${'a'.repeat(2100)}`],
    ['not a string', 42],
    ['garbage', 'https://'],
  ])('refuses %s', (_label, url) => {
    expect(isSafeExternalUrl(url)).toBe(false);
  });
});

describe('request filter', () => {
  const options = { trustedOrigins: ['app://sealcheck'] };
  it('lets through only our origin and data:', () => {
    expect(isAllowedRequestUrl('app://sealcheck/assets/index.js', options)).toBe(true);
    expect(isAllowedRequestUrl('data:image/png;base64,AAAA', options)).toBe(true);
    for (const url of [
      'https://example.org/',
      'http://127.0.0.1:8080/',
      'ws://localhost:5173/',
      'file:///etc/passwd',
      'app://other/index.html',
      'devtools://devtools/bundled/inspector.html',
      'chrome://gpu',
    ]) {
      expect(isAllowedRequestUrl(url, options), url).toBe(false);
    }
    expect(isAllowedRequestUrl('devtools://devtools/x', { ...options, allowDevtools: true })).toBe(
      true,
    );
  });
});

/** A stand-in for Electron's event emitters: records listeners by event name. */
function emitter() {
  const listeners = new Map<string, Array<(...args: unknown[]) => unknown>>();
  return {
    listeners,
    on(event: string, listener: (...args: unknown[]) => unknown) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
      return this;
    },
    emit(event: string, ...args: unknown[]) {
      return (listeners.get(event) ?? []).map((l) => l(...args));
    },
  };
}

function fakeEvent(extra: Record<string, unknown> = {}) {
  return { defaultPrevented: false, preventDefault: vi.fn(), ...extra };
}

function options(): HardeningOptions & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    trustedOrigins: ['app://sealcheck'],
    openExternal: async (url) => void opened.push(url),
    log: () => undefined,
  };
}

describe('hardenWebContents', () => {
  function harden() {
    const contents = {
      ...emitter(),
      windowOpenHandler: undefined as unknown,
      setWindowOpenHandler: vi.fn(),
    };
    contents.setWindowOpenHandler.mockImplementation(
      (handler: unknown) => (contents.windowOpenHandler = handler),
    );
    const opts = options();
    hardenWebContents(contents as unknown as WebContents, opts);
    return { contents, opts };
  }

  it('blocks every navigation and opens only safe links in the browser', () => {
    const { contents, opts } = harden();
    for (const url of [
      'https://example.org/help',
      'http://example.org/',
      'file:///etc/passwd',
      'app://sealcheck/other.html',
    ]) {
      const event = fakeEvent({ url });
      contents.emit('will-navigate', event);
      expect(event.preventDefault).toHaveBeenCalled();
    }
    expect(opts.opened).toEqual(['https://example.org/help']);

    const frameNav = fakeEvent({ url: 'https://example.org/', isMainFrame: false });
    contents.emit('will-frame-navigate', frameNav);
    expect(frameNav.preventDefault).toHaveBeenCalled();

    const redirect = fakeEvent({ url: 'https://example.org/' });
    contents.emit('will-redirect', redirect);
    expect(redirect.preventDefault).toHaveBeenCalled();
  });

  it('denies every new window', () => {
    const { contents, opts } = harden();
    const handler = contents.windowOpenHandler as (d: { url: string }) => { action: string };
    expect(handler({ url: 'https://example.org/' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
    expect(handler({ url: 'app://sealcheck/index.html' })).toEqual({ action: 'deny' });
    expect(opts.opened).toEqual(['https://example.org/']);
  });

  it('refuses webviews and device pickers', () => {
    const { contents } = harden();
    const attach = fakeEvent();
    contents.emit('will-attach-webview', attach, {}, {});
    expect(attach.preventDefault).toHaveBeenCalled();
    const bluetooth = fakeEvent();
    const callback = vi.fn();
    contents.emit('select-bluetooth-device', bluetooth, [{ deviceId: 'x' }], callback);
    expect(bluetooth.preventDefault).toHaveBeenCalled();
    expect(callback).toHaveBeenCalledWith('');
  });
});

describe('hardenSession', () => {
  function harden() {
    const handlers: Record<string, (...args: never[]) => unknown> = {};
    const session = {
      ...emitter(),
      setPermissionRequestHandler: (h: (...args: never[]) => unknown) =>
        void (handlers.request = h),
      setPermissionCheckHandler: (h: (...args: never[]) => unknown) => void (handlers.check = h),
      setDevicePermissionHandler: (h: (...args: never[]) => unknown) => void (handlers.device = h),
      webRequest: {
        onBeforeRequest: (h: (...args: never[]) => unknown) => void (handlers.beforeRequest = h),
      },
    };
    hardenSession(session as unknown as Session, options());
    return { session, handlers };
  }

  it('denies every permission request and check', () => {
    const { handlers } = harden();
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'fullscreen',
    ]) {
      const callback = vi.fn();
      (handlers.request as (...a: unknown[]) => void)({}, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(
        (handlers.check as (...a: unknown[]) => boolean)({}, permission, 'app://sealcheck', {}),
      ).toBe(false);
    }
    expect((handlers.device as (...a: unknown[]) => boolean)({ deviceType: 'usb' })).toBe(false);
  });

  it('cancels every request outside our origin', () => {
    const { handlers } = harden();
    const decide = (url: string) => {
      const callback = vi.fn();
      (handlers.beforeRequest as (...a: unknown[]) => void)({ url, resourceType: 'xhr' }, callback);
      return callback.mock.calls[0]?.[0] as { cancel: boolean };
    };
    expect(decide('app://sealcheck/assets/index.js')).toEqual({ cancel: false });
    expect(decide('https://example.org/tracker.js')).toEqual({ cancel: true });
    expect(decide('http://127.0.0.1:9/')).toEqual({ cancel: true });
  });

  it('refuses downloads and device choosers', () => {
    const { session } = harden();
    const download = fakeEvent();
    session.emit('will-download', download);
    expect(download.preventDefault).toHaveBeenCalled();
    for (const [event, args] of [
      ['select-hid-device', [{}, vi.fn()]],
      ['select-serial-port', [[], {}, vi.fn()]],
      ['select-usb-device', [{}, vi.fn()]],
    ] as const) {
      const e = fakeEvent();
      session.emit(event, e, ...args);
      expect(e.preventDefault, event).toHaveBeenCalled();
    }
  });
});

describe('hardenApp', () => {
  it('enables the sandbox and hardens every new webContents and its session once', () => {
    const app = { ...emitter(), enableSandbox: vi.fn() };
    hardenApp(app as unknown as App, options());
    expect(app.enableSandbox).toHaveBeenCalledOnce();

    const session = {
      ...emitter(),
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
      webRequest: { onBeforeRequest: vi.fn() },
    };
    const makeContents = () => ({ ...emitter(), session, setWindowOpenHandler: vi.fn() });
    const first = makeContents();
    const second = makeContents();
    app.emit('web-contents-created', {}, first);
    app.emit('web-contents-created', {}, second);
    expect(first.setWindowOpenHandler).toHaveBeenCalledOnce();
    expect(second.setWindowOpenHandler).toHaveBeenCalledOnce();
    expect(first.listeners.has('will-navigate')).toBe(true);
    expect(session.setPermissionRequestHandler).toHaveBeenCalledOnce();
    expect(session.webRequest.onBeforeRequest).toHaveBeenCalledOnce();
  });
});

describe('sources', () => {
  const insecure: Array<[string, RegExp]> = [
    ['nodeIntegration: true', /\bnodeIntegration(InWorker|InSubFrames)?\s*:\s*true\b/],
    ['contextIsolation: false', /\bcontextIsolation\s*:\s*false\b/],
    ['sandbox: false', /\bsandbox\s*:\s*false\b/],
    ['webSecurity: false', /\bwebSecurity\s*:\s*false\b/],
    ['allowRunningInsecureContent: true', /\ballowRunningInsecureContent\s*:\s*true\b/],
    ['webviewTag: true', /\bwebviewTag\s*:\s*true\b/],
    ['experimentalFeatures: true', /\bexperimentalFeatures\s*:\s*true\b/],
    ['enableRemoteModule', /\benableRemoteModule\b/],
    ['--no-sandbox', /no-sandbox|disable-web-security|ignore-certificate-errors/],
    ['bypassCSP: true', /\bbypassCSP\s*:\s*true\b/],
    ['setCertificateVerifyProc', /\bsetCertificateVerifyProc\b/],
    ["'certificate-error' handler", /['"]certificate-error['"]/],
    ['NODE_TLS_REJECT_UNAUTHORIZED', /NODE_TLS_REJECT_UNAUTHORIZED/],
    ['exposing ipcRenderer', /exposeInMainWorld\([^,]+,\s*(ipcRenderer\b|\{[^}]*\bipcRenderer\b)/],
    ['{@html}', /\{@html\b/],
  ];

  function sourceFiles(dir: string): string[] {
    return readdirSync(join(repoRoot, dir), { withFileTypes: true, recursive: true })
      .filter(
        (e) =>
          e.isFile() && /\.(ts|js|mjs|cjs|svelte|html)$/.test(e.name) && !/\.test\./.test(e.name),
      )
      .map((e) => relative(repoRoot, join(e.parentPath, e.name)));
  }

  it('nowhere weaken Electron or TLS', () => {
    const files = [...sourceFiles('app'), ...sourceFiles('renderer'), 'electron.vite.config.ts'];
    expect(files.length).toBeGreaterThan(10);
    const hits: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(repoRoot, file), 'utf8');
      for (const [label, pattern] of insecure)
        if (pattern.test(text)) hits.push(`${file}: ${label}`);
    }
    expect(hits).toEqual([]);
  });
});
