import { HttpException, Logger, type ArgumentsHost, type ExceptionFilter, type WsExceptionFilter } from '@nestjs/common';
import { FILTER_CATCH_EXCEPTIONS } from '@nestjs/common/constants.js';
import { BaseWsExceptionFilter, WsException } from '@nestjs/websockets';
import { AckSender } from '@sockline/core';
import {
  INTERNAL_ERROR_MESSAGE,
  PayloadValidationError,
  describeError,
  toAckError,
  type DescribedError,
  type ErrorDescriber,
  type ValidationErrorLike,
  toValidationIssues,
} from '@sockline/gateway';

/** `WsException('text')` or `WsException({ message, ...data })`: the client sees exactly that. */
export const describeWsException: ErrorDescriber = error => {
  if (!(error instanceof WsException)) return undefined;
  const payload = error.getError();
  if (typeof payload === 'string') return { message: payload };
  if (typeof payload === 'object' && payload !== null) return { message: error.message, data: payload };
  return { message: error.message };
};

/**
 * `HttpException`s (what `ValidationPipe`, `ParseIntPipe`... throw) keep their message and response
 * body instead of becoming "Internal server error". With the default `ValidationPipe` the body's
 * `message` array lists the class-validator messages.
 */
export const describeHttpException: ErrorDescriber = error => {
  if (!(error instanceof HttpException)) return undefined;
  const response = error.getResponse();
  if (typeof response === 'string') return { message: response };
  const body = response as { message?: unknown; error?: unknown };
  const message = typeof body.message === 'string' ? body.message : typeof body.error === 'string' ? body.error : error.message;
  return { message, data: response };
};

export const NEST_ERROR_DESCRIBERS: readonly ErrorDescriber[] = [describeWsException, describeHttpException];

export function describeNestError(error: unknown): DescribedError {
  return describeError(error, NEST_ERROR_DESCRIBERS);
}

/**
 * For `new ValidationPipe({ exceptionFactory: wsValidationExceptionFactory })`: the error then
 * carries the class-validator tree (`data.errors`, the same shape as `@sockline/gateway`).
 */
export function wsValidationExceptionFactory(errors: ValidationErrorLike[]): PayloadValidationError {
  return new PayloadValidationError(toValidationIssues(errors));
}

/** The `exception` event payload when no ack was requested: Nest's shape, plus `data`. */
export interface NestExceptionEventPayload {
  status: 'error';
  message: string;
  data?: unknown;
  cause: { pattern: unknown; data: unknown };
}

export interface FallbackFilterOptions {
  /** Answer the ack with `{ error }` and describe HttpExceptions (the `ackErrors` option). */
  ackErrors: boolean;
  /** The application's global filters, consulted before the fallback (the `globalFilters` option). */
  globalFilters?: () => readonly ExceptionFilter[];
}

function catches(filter: ExceptionFilter, exception: unknown): boolean {
  const types: Function[] = Reflect.getMetadata(FILTER_CATCH_EXCEPTIONS, filter.constructor) ?? [];
  return types.length === 0 || types.some(type => exception instanceof type);
}

/**
 * The fallback filter is recorded on gateway classes, which outlive one application (tests build
 * several from the same classes): what it does is therefore looked up per server, registered by
 * the adapter that created it. A server without an entry gets Nest's stock behaviour.
 */
const optionsByServer = new WeakMap<object, FallbackFilterOptions>();

export function registerFallbackOptions(server: object, options: FallbackFilterOptions): void {
  optionsByServer.set(server, options);
}

function serverOf(client: unknown): object | undefined {
  return (client as { nsp?: { server?: object } } | undefined)?.nsp?.server;
}

/**
 * The last-resort exception filter the adapter adds to each gateway when `ackErrors` or
 * `globalFilters` is on (your own `@UseFilters` still run first). It hands the error to the first
 * matching global filter if asked to; otherwise, with `ackErrors`, it answers the ack with
 * `{ error: { message, data? } }` when the client asked for one, and else emits `exception` like
 * Nest does, with better messages; without `ackErrors` it does exactly what Nest does.
 */
export class SocklineWsExceptionFilter implements WsExceptionFilter {
  private static readonly logger = new Logger('SocklineWsExceptionFilter');
  private readonly stock = new BaseWsExceptionFilter();

  catch(exception: unknown, host: ArgumentsHost): void {
    // Nest calls handlers as (socket, payload, ack?, pattern): the ack is the only function.
    const args = host.getArgs() as unknown[];
    const client = args[0] as { emit?(event: string, payload: unknown): unknown } | undefined;
    const server = serverOf(client);
    const options = server ? optionsByServer.get(server) : undefined;
    const global = options?.globalFilters?.().find(filter => catches(filter, exception));
    if (global) {
      global.catch(exception, host);
      return;
    }
    if (!options?.ackErrors) {
      this.stock.catch(exception, host);
      return;
    }
    const pattern = args[args.length - 1];
    const ack = args.slice(1, -1).find((arg): arg is (value: unknown) => void => typeof arg === 'function');
    const described = describeNestError(exception);
    if (described.message === INTERNAL_ERROR_MESSAGE) SocklineWsExceptionFilter.logger.error(exception);
    // The ack's one owner answers unless something already did (an `@Ack()` handler that answered,
    // then threw): the error then goes to the exception event rather than nowhere.
    if (ack && AckSender.from(ack).send(toAckError(exception, NEST_ERROR_DESCRIBERS))) return;
    client?.emit?.('exception', nestExceptionPayload(exception, pattern, args[1]));
  }
}

/** Nest's `exception` event payload for an error, with our descriptions (and `data`). */
export function nestExceptionPayload(exception: unknown, pattern: unknown, data: unknown): NestExceptionEventPayload {
  const described = describeNestError(exception);
  const payload: NestExceptionEventPayload = { status: 'error', message: described.message, cause: { pattern, data } };
  if (described.data !== undefined) payload.data = described.data;
  return payload;
}

/** Reports a failed `handleConnection` (with `awaitConnectionHook`) the way Nest reports errors. */
export function reportConnectionHookError(client: { emit(event: string, payload: unknown): unknown }, exception: unknown): void {
  if (describeNestError(exception).message === INTERNAL_ERROR_MESSAGE) {
    new Logger('SocklineAdapter').error(exception);
  }
  client.emit('exception', nestExceptionPayload(exception, 'connection', undefined));
}
