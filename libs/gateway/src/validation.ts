import { plainToInstance } from 'class-transformer';
import { validate, type ValidatorOptions } from 'class-validator';
import { PayloadValidationError, type ValidationIssue } from './errors.js';
import type { Constructor } from './types.js';

/** How payloads are checked against their DTO class (class-validator options). */
export interface PayloadValidationOptions {
  /** Strip properties that carry no class-validator decorator. Default false. */
  whitelist?: boolean;
  /** With `whitelist`, refuse payloads that carry such properties instead of stripping them. */
  forbidNonWhitelisted?: boolean;
  /** Refuse payloads that are not instances of a decorated class (e.g. a string for a DTO). Default true. */
  forbidUnknownValues?: boolean;
  /** Skip validation entirely (the payload still reaches the handler untouched). */
  disabled?: boolean;
}

/** Parameter types that carry no rules: these payloads are passed through. */
const UNCHECKED_TYPES = new Set<unknown>([Object, String, Number, Boolean, Array, Function, undefined]);

export function isValidatedType(type: unknown): type is Constructor {
  return typeof type === 'function' && !UNCHECKED_TYPES.has(type);
}

/** The parts of class-validator's `ValidationError` that reach the client (never the rejected value). */
export interface ValidationErrorLike {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationErrorLike[];
}

export function toValidationIssues(errors: readonly ValidationErrorLike[]): ValidationIssue[] {
  return errors.map(error => {
    const issue: ValidationIssue = { property: error.property };
    if (error.constraints) issue.constraints = error.constraints;
    if (error.children?.length) issue.children = toValidationIssues(error.children);
    return issue;
  });
}

/**
 * Instantiates the DTO with class-transformer and validates it with class-validator. Resolves to
 * the DTO instance (what the handler receives) or rejects with `PayloadValidationError`.
 */
export async function validatePayload(dto: Constructor, payload: unknown, options: PayloadValidationOptions = {}): Promise<unknown> {
  if (options.disabled) return payload;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new PayloadValidationError([{ property: '', constraints: { isObject: `payload must be an object matching ${dto.name}` } }]);
  }
  const instance = plainToInstance(dto, payload) as object;
  const validatorOptions: ValidatorOptions = {
    whitelist: options.whitelist ?? false,
    forbidNonWhitelisted: options.forbidNonWhitelisted ?? false,
    forbidUnknownValues: options.forbidUnknownValues ?? true,
  };
  const errors = await validate(instance, validatorOptions);
  if (errors.length > 0) throw new PayloadValidationError(toValidationIssues(errors));
  return instance;
}
