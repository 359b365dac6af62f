/** The application menu: the standard roles only (copy needs an Edit menu; quit needs one too). */
import type { MenuItemConstructorOptions } from 'electron';

export function menuTemplate(options: {
  readonly isMac: boolean;
  readonly isDev: boolean;
}): MenuItemConstructorOptions[] {
  return [
    ...(options.isMac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    // Reload and developer tools only while developing.
    ...(options.isDev ? [{ role: 'viewMenu' } as const] : []),
    { role: 'windowMenu' },
  ];
}
