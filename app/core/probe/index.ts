/** The probe engine: one endpoint in, its facts out (see probe-endpoint.ts for the steps). */
export {
  DEFAULT_OVERALL_TIMEOUT_MS,
  probeEndpoint,
  type ProbeOptions,
  type ProbeProgress,
} from './probe-endpoint';
export { DEFAULT_INJECTION_WAIT_MS } from './injection';
export { statusFor } from './status';
