/**
 * The preload: runs sandboxed (CommonJS, built to out/preload/index.cjs) before the page,
 * and exposes the contract as `window.sealcheck` through the context bridge. Nothing else
 * of Electron reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildApi } from './api';

contextBridge.exposeInMainWorld('sealcheck', buildApi(ipcRenderer));
