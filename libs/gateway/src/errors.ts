import createDebug from 'debug';

const debug = createDebug('sockline:gateway:errors');

/** What the client receives in place of the ack value when its event failed. */
export interface AckError {
  error: { message: string; data?: unknown };
}

/** What the `exception` event carries when the failed event did not ask for an ack. */
export interface ExceptionEventPayload extends AckError {
  /** The event whose handling failed (`connection` for the connection hook). */
  event: string;
}

/**
 * An error whose message (and optional data) is meant for the client. Any other thrown value is
 * reported as "Internal server error" so that internals never leak by accident.
 */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A guard refused the connection or the event. */
export class ForbiddenError extends GatewayError {
  constructor(message = 'Forbidden', data?: unknown) {
    super(message, data);
  }
}

/** One failed property, in the same tree shape as class-validator's `ValidationError`. */
export interface ValidationIssue {
  property: string;
  value?: unknown;
  constraints?: Record<string, string>;
  children?: ValidationIssue[];
}

/** The payload did not match its DTO; `data.errors` carries the class-validator details. */
export class PayloadValidationError extends GatewayError {
  declare readonly data: { errors: ValidationIssue[] };
  constructor(errors: ValidationIssue[], message = 'Validation failed') {
    super(message, { errors });
  }
}

export interface DescribedError {
  message: string;
  data?: unknown;
}

/**
 * Turns a framework-specific error into the client-facing description, or returns undefined to
 * let the next describer try. The Nest adapter plugs its `WsException`/`HttpException` handling
 * in here, so both packages share one error shape.
 */
export type ErrorDescriber = (error: unknown) => DescribedError | undefined;

export const INTERNAL_ERROR_MESSAGE = 'Internal server error';

export function describeGatewayError(error: unknown): DescribedError | undefined {
  if (!(error instanceof GatewayError)) return undefined;
  return error.data === undefined ? { message: error.message } : { message: error.message, data: error.data };
}

export function describeError(error: unknown, describers: readonly ErrorDescriber[] = []): DescribedError {
  for (const describe of [...describers, describeGatewayError]) {
    const described = describe(error);
    if (described) return described;
  }
  debug('unexpected error reported to the client as "%s": %O', INTERNAL_ERROR_MESSAGE, error);
  return { message: INTERNAL_ERROR_MESSAGE };
}

export function toAckError(error: unknown, describers?: readonly ErrorDescriber[]): AckError {
  return { error: describeError(error, describers) };
}

/** The error a namespace middleware passes to `next()`: the client's `connect_error` shows it. */
export function toConnectError(error: unknown, describers?: readonly ErrorDescriber[]): Error & { data?: unknown } {
  const { message, data } = describeError(error, describers);
  const connectError: Error & { data?: unknown } = new Error(message);
  if (data !== undefined) connectError.data = data;
  return connectError;
}
