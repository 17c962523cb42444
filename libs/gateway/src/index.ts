// Decorator metadata (class-validator, parameter types) needs the Reflect polyfill loaded once.
import 'reflect-metadata';

export { mountGateways, type MountOptions } from './mount.js';
export {
  Gateway,
  On,
  Payload,
  ConnectedSocket,
  Ack,
  UseGuards,
  GatewayNamespace,
  typedEvents,
  type EventPayload,
  type EventAckValue,
  type TypedGatewayDecorators,
} from './decorators.js';
export type { GatewayOptions, HandlerOptions } from './metadata.js';
export type { OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect } from './lifecycle.js';
export type { CanActivate, GuardContext, GuardFunction, GuardLike } from './guards.js';
export {
  type PayloadValidationOptions,
  type ValidationErrorLike,
  validatePayload,
  toValidationIssues,
} from './validation.js';
export {
  GatewayError,
  ForbiddenError,
  PayloadValidationError,
  INTERNAL_ERROR_MESSAGE,
  describeError,
  toAckError,
  toConnectError,
  type AckError,
  type ExceptionEventPayload,
  type ValidationIssue,
  type DescribedError,
  type ErrorDescriber,
} from './errors.js';

// The shared compile step, used by @sockline/nestjs: one dispatch path, one error shape.
export { compileGateway, type CompiledGateway, type CompileOptions } from './compile.js';
// For adapters whose container builds the gateways and their guards (@sockline/nestjs).
export { isGatewayClass, guardClassesOf } from './compile.js';
export { wireGateways, type WireOptions } from './mount.js';
export {
  bindEventHandlers,
  gateSocket,
  reportError,
  type EventBinding,
  type DispatchOptions,
  type ErrorReporting,
} from './dispatch.js';
export { connectionMiddleware } from './connection.js';
export {
  deliverResult,
  splitAck,
  isEventResponse,
  isSubscribable,
  type AckMode,
  type EventResponse,
  type SubscribableLike,
} from './respond.js';
export type {
  AckCallback,
  ConnectError,
  Constructor,
  GatewayNamespaceLike,
  GatewayServer,
  GatewaySocket,
  NamespaceMiddleware,
  NamespaceMiddlewareOptions,
} from './types.js';
