/**
 * Runtime schemas for every value that crosses the IPC boundary.
 * Main validates each request against these before any handler runs;
 * the renderer imports only the inferred types.
 */
import * as v from 'valibot';

/** Identifies one run so progress events can be matched to the request that started it. */
export const RunId = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9_-]{1,64}$/, 'run id: 1–64 letters, digits, - or _'),
);

export const AppInfo = v.object({
  name: v.string(),
  version: v.string(),
  versions: v.object({
    node: v.string(),
    openssl: v.string(),
    electron: v.optional(v.string()),
    chrome: v.optional(v.string()),
  }),
  platform: v.string(),
  /** Where core runs: an Electron utility process in the app, in-process in the CLI and the test harness. */
  coreHost: v.picklist(['utility-process', 'in-process']),
});

export const SelfCheckStep = v.picklist(['tls', 'roots', 'keychain']);

export const SelfCheckRequest = v.strictObject({ runId: RunId });

export const SelfCheckItem = v.object({
  step: SelfCheckStep,
  ok: v.boolean(),
  /** Facts only (versions, counts, backend names); wording is the renderer's job. */
  facts: v.record(v.string(), v.union([v.string(), v.number(), v.boolean()])),
  error: v.optional(v.string()),
});

export const SelfCheckReport = v.object({
  runId: RunId,
  ok: v.boolean(),
  items: v.array(SelfCheckItem),
});

export const ProgressEvent = v.object({
  runId: RunId,
  step: v.string(),
  state: v.picklist(['started', 'done', 'failed']),
  at: v.number(),
  /** Which part of the run: an account's role ("incoming"), or "imap:993" in a quick check. */
  scope: v.optional(v.pipe(v.string(), v.maxLength(64))),
});

export type AppInfo = v.InferOutput<typeof AppInfo>;
export type SelfCheckStep = v.InferOutput<typeof SelfCheckStep>;
export type SelfCheckRequest = v.InferOutput<typeof SelfCheckRequest>;
export type SelfCheckItem = v.InferOutput<typeof SelfCheckItem>;
export type SelfCheckReport = v.InferOutput<typeof SelfCheckReport>;
export type ProgressEvent = v.InferOutput<typeof ProgressEvent>;
