/**
 * The window's handlers as the tests build them: main's own createHandlers over an in-process
 * core, with a fixed app description, no dialogs unless given, and events collected or dropped.
 */
import type { AppInfo } from '../../../app/contract';
import { createHandlers, type HandlerDeps } from '../../../app/main/handlers';
import type { Handlers } from '../../../app/main/ipc';

export const TEST_APP_INFO: AppInfo = {
  name: 'Sealcheck',
  version: '0',
  versions: { node: '', openssl: '' },
  platform: 'linux',
  coreHost: 'in-process',
};

export function windowHandlers(
  core: HandlerDeps['core'],
  deps: Partial<Omit<HandlerDeps, 'core' | 'appInfo'>> = {},
): Handlers {
  return createHandlers({
    core,
    appInfo: () => TEST_APP_INFO,
    dialogs: deps.dialogs ?? { save: async () => null, openCertificate: async () => null },
    events: deps.events ?? { progress: () => undefined },
    ...(deps.reports ? { reports: deps.reports } : {}),
  });
}
