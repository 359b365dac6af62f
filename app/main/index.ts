/**
 * Main process: one window on app://sealcheck, hardened before anything loads,
 * core in a utility process, IPC validated against the contract.
 */
import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, Menu, protocol, shell, utilityProcess } from 'electron';
import type { AppInfo } from '../contract';
import { createUtilityProcessCore } from './core-utility';
import { electronDialogs } from './dialogs';
import { createHandlers, type CoreClient, type EventSink } from './handlers';
import { hardenApp, SECURE_WEB_PREFERENCES } from './hardening';
import { menuTemplate } from './menu';
import { ReportInbox, reportPathsFrom } from './open-report';
import {
  APP_INDEX_URL,
  APP_ORIGIN,
  APP_SCHEME,
  APP_SCHEME_PRIVILEGES,
  createAppProtocolHandler,
  originOf,
} from './protocol';
import { createWebContentsEventSink, registerIpc } from './register-ipc';

const here = import.meta.dirname; // out/main
const rendererDir = join(here, '../renderer');
const preloadPath = join(here, '../preload/index.cjs');
const workerPath = join(here, 'core-worker.js');

// electron-vite dev serves the renderer from a local dev server; never in a packaged app.
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const devOrigin = devServerUrl ? originOf(devServerUrl) : null;
const isDev = devOrigin !== null;
const trustedOrigins = devOrigin
  ? [APP_ORIGIN, devOrigin, devOrigin.replace(/^http/, 'ws')]
  : [APP_ORIGIN];

// Must happen before `ready`: app:// becomes a standard, secure scheme.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { ...APP_SCHEME_PRIVILEGES } },
]);

let mainWindow: BrowserWindow | undefined;

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 980,
    height: 760,
    minWidth: 520,
    minHeight: 420,
    title: 'Sealcheck',
    show: false, // shown once the first frame is ready, without a white flash
    icon: join(app.getAppPath(), 'resources/icon.png'),
    webPreferences: {
      ...SECURE_WEB_PREFERENCES,
      preload: preloadPath,
      devTools: isDev,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = undefined;
  });
  void win.loadURL(devServerUrl && isDev ? devServerUrl : APP_INDEX_URL);
  return win;
}

function start(): void {
  hardenApp(app, {
    trustedOrigins,
    openExternal: (url) => shell.openExternal(url),
    allowDevtools: isDev,
    log: (message) => console.warn(`hardening: ${message}`),
  });

  let core: CoreClient | undefined;
  let events: EventSink | undefined;

  // Report files handed over by the system: the first launch's command line, a second launch's
  // (forwarded here by the single-instance lock), or macOS's open-file. The window asks for them.
  const inbox = new ReportInbox();
  inbox.add(reportPathsFrom(process.argv.slice(app.isPackaged ? 1 : 2), process.cwd()));
  const arrived = (paths: readonly string[]): void => {
    if (paths.length === 0) return;
    const waiting = inbox.add(paths);
    events?.reportsWaiting?.(waiting);
  };
  app.on('open-file', (event, path) => {
    event.preventDefault();
    arrived(reportPathsFrom([path], process.cwd()));
  });

  app.on('second-instance', (_event, argv, workingDirectory) => {
    arrived(reportPathsFrom(argv.slice(1), workingDirectory));
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void core?.dispose());

  void app.whenReady().then(() => {
    protocol.handle(APP_SCHEME, createAppProtocolHandler(rendererDir));

    const utilityCore = createUtilityProcessCore({
      fork: () =>
        utilityProcess.fork(workerPath, [`--data-dir=${app.getPath('userData')}`], {
          serviceName: 'Sealcheck core',
          stdio: 'inherit',
        }),
    });
    core = utilityCore;
    const appInfo = (): AppInfo => ({
      name: 'Sealcheck',
      version: app.getVersion(),
      versions: {
        node: process.versions.node,
        openssl: process.versions.openssl,
        electron: process.versions.electron,
        chrome: process.versions.chrome,
      },
      platform: process.platform,
      coreHost: utilityCore.host,
    });
    events = createWebContentsEventSink(() => mainWindow?.webContents);
    const handlers = createHandlers({
      core: utilityCore,
      appInfo,
      events,
      dialogs: electronDialogs(() => mainWindow ?? null),
      reports: inbox,
    });
    registerIpc(ipcMain, handlers, { trustedOrigins });

    Menu.setApplicationMenu(
      Menu.buildFromTemplate(menuTemplate({ isMac: process.platform === 'darwin', isDev })),
    );
    mainWindow = createWindow();

    app.on('activate', () => {
      mainWindow ??= createWindow();
    });
  });
}

// One window, one core: a second launch focuses the first.
if (app.requestSingleInstanceLock()) {
  start();
} else {
  app.quit();
}
