/** Engine.IO handshake/request error codes, with the messages the reference server sends. */

export const ERROR_CODES = Object.freeze({
  UNKNOWN_TRANSPORT: 0,
  UNKNOWN_SID: 1,
  BAD_HANDSHAKE_METHOD: 2,
  BAD_REQUEST: 3,
  FORBIDDEN: 4,
  UNSUPPORTED_PROTOCOL_VERSION: 5,
} as const);

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

export const ERROR_MESSAGES: Readonly<Record<ErrorCode, string>> = Object.freeze({
  0: "Transport unknown",
  1: "Session ID unknown",
  2: "Bad handshake method",
  3: "Bad request",
  4: "Forbidden",
  5: "Unsupported protocol version",
});

/** Extra information about a refused request (which transport, sid, method, ...). */
export type ErrorContext = Record<string, unknown>;

/** HTTP status of a refused request: 403 for Forbidden, 400 otherwise. */
export function statusOf(code: ErrorCode): number {
  return code === ERROR_CODES.FORBIDDEN ? 403 : 400;
}

/**
 * The protocol revision a request asks for, as the reference's `connection_error` context reports
 * it: 4 for `EIO=4`, 3 for anything else (a missing `EIO` included: protocol 3 clients predate it).
 */
export function protocolRevision(eio: string | undefined): 3 | 4 {
  return eio === "4" ? 4 : 3;
}
