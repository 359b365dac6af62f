/**
 * The settings file (`settings.json`, schema `sealcheck.settings/1`) in the app's data
 * directory: each endpoint's check deadline and the roots trusted knowingly. Atomic, locked and
 * validated writes, damaged files kept aside: see core/storage/json-file.ts. Its own module so
 * the store can be opened without the checks (test/durability/ kills writers of it).
 */
import * as v from 'valibot';
import { jsonFile, type JsonFile } from '../core/storage/json-file';

export const SETTINGS_SCHEMA = 'sealcheck.settings/1';
export const SETTINGS_FILE = 'settings.json';

const Settings = v.strictObject({
  schema: v.literal(SETTINGS_SCHEMA),
  /** Each endpoint's whole-check deadline, in seconds. */
  timeoutSeconds: v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(300)),
  /** Roots trusted knowingly (a company's own authority), PEM, with the file they came from. */
  extraRoots: v.pipe(
    v.array(
      v.strictObject({
        label: v.pipe(v.string(), v.maxLength(300)),
        pem: v.pipe(v.string(), v.maxLength(64 * 1024)),
      }),
    ),
    v.maxLength(20),
  ),
});
export type SettingsFile = v.InferOutput<typeof Settings>;

export function openSettings(directory: string): JsonFile<SettingsFile> {
  return jsonFile<SettingsFile>({
    directory,
    fileName: SETTINGS_FILE,
    schemaName: 'sealcheck.settings',
    version: 1,
    schema: Settings,
    empty: () => ({ schema: SETTINGS_SCHEMA, timeoutSeconds: 30, extraRoots: [] }),
    label: 'settings',
    maxBytes: 2 * 1024 * 1024,
  });
}
