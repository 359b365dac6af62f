/**
 * Messages between main (app/main/core-utility.ts) and the core utility process
 * (app/main/core-server.ts). Both sides check every message they receive against these
 * schemas: a crash or a bug in one process must not turn into undefined behaviour in the other.
 */
import * as v from 'valibot';
import { ProgressEvent, RunId, SelfCheckReport, SelfCheckRequest } from '../contract';
import { CORE_METHODS } from './core-methods';
import { PUBLIC_ERROR_CODES } from './errors';

const RequestId = v.pipe(v.number(), v.integer(), v.minValue(1));

/** main → core */
export const ToCore = v.variant('kind', [
  v.strictObject({ kind: v.literal('self-check'), id: RequestId, request: SelfCheckRequest }),
  /** An account operation (core-service.ts); its arguments were checked in main. */
  v.strictObject({
    kind: v.literal('call'),
    id: RequestId,
    method: v.picklist(CORE_METHODS),
    args: v.pipe(v.array(v.unknown()), v.maxLength(4)),
    /** For a run: its id (progress events carry it). */
    runId: v.optional(RunId),
  }),
]);

/** core → main */
export const FromCore = v.variant('kind', [
  v.strictObject({ kind: v.literal('ready') }),
  v.strictObject({ kind: v.literal('progress'), id: RequestId, event: ProgressEvent }),
  v.strictObject({ kind: v.literal('result'), id: RequestId, report: SelfCheckReport }),
  v.strictObject({
    kind: v.literal('error'),
    id: RequestId,
    message: v.pipe(v.string(), v.maxLength(2000)),
  }),
  /** A call's value (main checks it against the contract before it reaches the window). */
  v.strictObject({ kind: v.literal('value'), id: RequestId, value: v.unknown() }),
  /** A call's PublicError, with its code and window-safe message. */
  v.strictObject({
    kind: v.literal('failure'),
    id: RequestId,
    code: v.picklist(PUBLIC_ERROR_CODES),
    message: v.pipe(v.string(), v.maxLength(2000)),
  }),
]);

export type ToCore = v.InferOutput<typeof ToCore>;
export type FromCore = v.InferOutput<typeof FromCore>;
