// Nest's decorators and class-validator need the Reflect polyfill; @sockline/gateway loads it.
import '@sockline/gateway';

export { SocklineAdapter, type GatewayCreateOptions } from './adapter.js';
export { SocklineModule, type SocklineModuleAsyncOptions } from './module.js';
export { SOCKLINE_OPTIONS, type SocklineAdapterOptions } from './options.js';
export {
  SocklineWsExceptionFilter,
  wsValidationExceptionFactory,
  describeNestError,
  describeWsException,
  describeHttpException,
  NEST_ERROR_DESCRIBERS,
  type NestExceptionEventPayload,
} from './errors.js';
export { GatewayOptionsConflictError } from './server-options.js';
export { GatewayClassError } from './gateway-classes.js';
export type { GatewayClassHost } from './module.js';
// The one error shape shared with @sockline/gateway.
export type { AckError, ValidationIssue } from '@sockline/gateway';
