/**
 * All window hardening in one module, each line saying why.
 *
 * Electron is imported for types only: the functions take the app, session and webContents
 * objects as arguments, so tests drive them with fakes in plain Node. app/main/index.ts calls
 * `hardenApp(app, …)` before the app is ready; it hardens every webContents and session
 * that will ever exist.
 */
import type { App, Session, WebContents, WebPreferences } from 'electron';
import { isUrlInOrigins } from './protocol';

/**
 * The webPreferences of every window. Frozen so nothing can weaken it at run time;
 * the hardening test fails if any of these changes.
 */
export const SECURE_WEB_PREFERENCES: Readonly<WebPreferences> = Object.freeze({
  contextIsolation: true, // the preload's world and Electron's internals stay apart from the page's
  sandbox: true, // the renderer runs in Chromium's OS-level sandbox, with no Node
  nodeIntegration: false, // the page cannot require() Node modules
  nodeIntegrationInWorker: false, // …nor can its web workers
  nodeIntegrationInSubFrames: false, // …nor any frame inside it
  webviewTag: false, // no <webview>: it would embed a second, less controlled browser
  webSecurity: true, // same-origin policy stays on
  allowRunningInsecureContent: false, // no http content inside our secure app:// page
  experimentalFeatures: false, // no unfinished Chromium features (a larger attack surface)
  enableBlinkFeatures: '', // turn on no extra Blink features
  disableBlinkFeatures: 'Auxclick', // middle-click must not open links in new windows
  navigateOnDragDrop: false, // dropping a file or link on the window must not navigate it away
  spellcheck: false, // the spell checker would download dictionaries: we never touch the network
  safeDialogs: true, // a page looping alert() can be stopped by the user
  javascript: true, // the UI is a Svelte app; stated so the test sees every choice
  plugins: false, // no PDF viewer or other plugins
  webgl: false, // the UI draws no 3D; less GPU code reachable from the page
  enableWebSQL: false, // a deprecated storage API we never use
  autoplayPolicy: 'document-user-activation-required', // no media plays by itself
});

/** True only for https URLs with a host, no credentials, no explicit port and no odd characters. */
export function isSafeExternalUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length === 0 || url.length > 2048) return false;
  // Printable ASCII only: no spaces, controls, bidi overrides or look-alike Unicode.
  if (!/^[\x21-\x7e]+$/.test(url)) return false;
  // Parsers disagree about backslashes ("https://a.example\@b.example"): refuse them outright.
  if (url.includes('\\')) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return (
    u.protocol === 'https:' &&
    u.hostname.length > 0 &&
    u.username === '' &&
    u.password === '' &&
    u.port === '' &&
    // The text must say what the parser understood: "https:evil" or "https:/x" are refused.
    url.toLowerCase().startsWith(`https://${u.host.toLowerCase()}`)
  );
}

export interface HardeningOptions {
  /** Origins ("scheme://host[:port]") the renderer may load from: app://sealcheck, and the dev server in dev. */
  readonly trustedOrigins: readonly string[];
  /** Opens a URL in the user's browser (shell.openExternal). Called only with safe https URLs. */
  readonly openExternal: (url: string) => Promise<void>;
  /** Allow devtools:// requests (development only). */
  readonly allowDevtools?: boolean;
  readonly log?: (message: string) => void;
}

/** Which requests the renderer may make: only to our own origins (plus data: images, see the CSP). */
export function isAllowedRequestUrl(
  url: string,
  options: Pick<HardeningOptions, 'trustedOrigins' | 'allowDevtools'>,
): boolean {
  if (url.startsWith('data:')) return true; // never leaves the process; the CSP limits it to images
  if (options.allowDevtools && url.startsWith('devtools://')) return true;
  return isUrlInOrigins(url, options.trustedOrigins);
}

function openIfSafe(url: string, options: HardeningOptions): void {
  if (!isSafeExternalUrl(url)) {
    options.log?.(`blocked opening a non-https link`);
    return;
  }
  // Re-serialise through the parser so the browser gets exactly what we checked.
  options
    .openExternal(new URL(url).href)
    .catch(() => options.log?.('could not open a link in the browser'));
}

/** Hardens one webContents: no navigation, no new windows, no webviews, no device pickers. */
export function hardenWebContents(contents: WebContents, options: HardeningOptions): void {
  // The page never leaves our origin: links open in the browser, if they are https.
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    openIfSafe(event.url, options);
  });
  // The same for sub-frames (we have none; an injected one must not navigate either).
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
  });
  // A redirect is a navigation too.
  contents.on('will-redirect', (event) => {
    event.preventDefault();
  });
  // No new windows; window.open and target=_blank links go to the browser, if https.
  contents.setWindowOpenHandler(({ url }) => {
    openIfSafe(url, options);
    return { action: 'deny' };
  });
  // No <webview>, even if a page managed to create one (webviewTag is off as well).
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
  });
  // No Bluetooth device picker: the default would pick the first device.
  contents.on('select-bluetooth-device', (event, _devices, callback) => {
    event.preventDefault();
    callback('');
  });
}

/** Hardens one session: deny every permission and every request outside our origins. */
export function hardenSession(session: Session, options: HardeningOptions): void {
  // Camera, microphone, notifications, geolocation, clipboard read…: the UI needs none.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  // Synchronous permission checks (navigator.permissions, some APIs) are denied as well.
  session.setPermissionCheckHandler(() => false);
  // No HID, serial or USB devices.
  session.setDevicePermissionHandler(() => false);
  // Device choosers: without preventDefault Electron would pick the first device itself.
  session.on('select-hid-device', (event, _details, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-serial-port', (event, _ports, _contents, callback) => {
    event.preventDefault();
    callback('');
  });
  session.on('select-usb-device', (event, _details, callback) => {
    event.preventDefault();
    callback();
  });
  // No downloads.
  session.on('will-download', (event) => {
    event.preventDefault();
  });
  // The renderer never needs the network: every request outside our origins is cancelled.
  session.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequestUrl(details.url, options);
    if (!allowed) options.log?.(`blocked a ${details.resourceType} request`);
    callback({ cancel: !allowed });
  });
}

/**
 * Hardens the app: call before `ready`. Turns the sandbox on for every renderer and hardens
 * each webContents (and its session, once) as it is created, including any we did not expect.
 */
export function hardenApp(app: App, options: HardeningOptions): void {
  app.enableSandbox(); // sandbox every renderer, whatever its webPreferences say
  const hardenedSessions = new WeakSet<Session>();
  app.on('web-contents-created', (_event, contents) => {
    hardenWebContents(contents, options);
    if (!hardenedSessions.has(contents.session)) {
      hardenedSessions.add(contents.session);
      hardenSession(contents.session, options);
    }
  });
}
