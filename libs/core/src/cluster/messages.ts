/**
 * The IPC messages of session routing between cluster workers, through the primary, and their
 * validation. Every message is checked on arrival (type and size of each field): IPC is trusted
 * more than the network, but a message that is not ours, or is broken, must cost nothing and crash
 * nothing. Bodies travel as base64 text, which the default "json" serialization of the IPC channel
 * carries as is (a Buffer would become an array of numbers).
 */
import type { ForwardedAnswer, ForwardedPoll, ForwardedUpgrade } from "../engine/session-routing.js";

/** The key that marks a message as session routing's (other IPC traffic, e.g. a cluster adapter's, is left alone). */
export const ROUTING_TAG = "$sockline:route";
/** The version of the message format: a worker of another version is not understood (its messages are refused). */
export const ROUTING_VERSION = 1;

/** Largest base64 body a message may carry (decoded: 12 MiB); the engines bound bodies more tightly (`maxHttpBufferSize`). */
const MAX_BODY_BASE64 = 16 * 1024 * 1024;
const MAX_HEADERS = 256;
const MAX_HEADER_BYTES = 64 * 1024;
const MAX_URL = 16 * 1024;
const MAX_SID = 256;
const MAX_NODE_ID = 64;

export interface WirePoll {
  sid: string;
  method: "GET" | "POST";
  url: string;
  headers: Record<string, string>;
  body: string;
  remoteAddress: string;
}

export interface WireAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: string;
}

/** What a worker sends to the primary (`to`: the node meant) and the primary to a worker (`from`: stamped by the primary). */
export type RoutingMessage =
  | { [ROUTING_TAG]: number; type: "poll"; id: number; to?: string; from?: string; poll: WirePoll }
  | { [ROUTING_TAG]: number; type: "answer"; id: number; to?: string; from?: string; answer: WireAnswer }
  | { [ROUTING_TAG]: number; type: "abandon"; id: number; to?: string; from?: string }
  | { [ROUTING_TAG]: number; type: "unreachable"; id: number; reason: string }
  | { [ROUTING_TAG]: number; type: "upgrade"; to?: string; from?: string; upgrade: ForwardedUpgrade; head: string };

/** Whether `value` claims to be a routing message (it may still be invalid: see `checkMessage`). */
export function isRoutingMessage(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && ROUTING_TAG in value;
}

/** Why `message` is not a valid routing message, or undefined if it is one. */
export function checkMessage(message: Record<string, unknown>): string | undefined {
  if (message[ROUTING_TAG] !== ROUTING_VERSION) return `format version ${String(message[ROUTING_TAG])}, expected ${ROUTING_VERSION}`;
  for (const name of ["to", "from"] as const) {
    const value = message[name];
    if (value !== undefined && !isShortString(value, MAX_NODE_ID)) return `invalid "${name}"`;
  }
  const type = message.type;
  if (type !== "upgrade" && !(Number.isSafeInteger(message.id) && (message.id as number) > 0))
    return `invalid id in a "${String(type)}" message`;
  switch (type) {
    case "poll":
      return checkPoll(message.poll);
    case "answer":
      return checkAnswer(message.answer);
    case "abandon":
      return undefined;
    case "unreachable":
      return isShortString(message.reason, 1024) ? undefined : "invalid reason";
    case "upgrade":
      if (!isShortString(message.head, MAX_BODY_BASE64)) return "invalid upgrade head";
      return checkUpgrade(message.upgrade);
    default:
      return `unknown message type ${JSON.stringify(String(type)).slice(0, 40)}`;
  }
}

function checkPoll(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "poll missing";
  const poll = value as Record<string, unknown>;
  if (!isShortString(poll.sid, MAX_SID)) return "invalid poll sid";
  if (poll.method !== "GET" && poll.method !== "POST") return "invalid poll method";
  if (!isShortString(poll.url, MAX_URL)) return "invalid poll url";
  if (!isShortString(poll.remoteAddress, 256)) return "invalid poll remoteAddress";
  if (!isShortString(poll.body, MAX_BODY_BASE64)) return "invalid or oversized poll body";
  return checkHeaders(poll.headers, false);
}

function checkAnswer(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "answer missing";
  const answer = value as Record<string, unknown>;
  if (!Number.isInteger(answer.status) || (answer.status as number) < 200 || (answer.status as number) > 599)
    return "invalid answer status";
  if (!isShortString(answer.body, MAX_BODY_BASE64)) return "invalid or oversized answer body";
  return checkHeaders(answer.headers, true);
}

function checkUpgrade(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null) return "upgrade missing";
  const upgrade = value as Record<string, unknown>;
  if (!isShortString(upgrade.sid, MAX_SID)) return "invalid upgrade sid";
  if (!isShortString(upgrade.url, MAX_URL)) return "invalid upgrade url";
  if (!isShortString(upgrade.remoteAddress, 256)) return "invalid upgrade remoteAddress";
  const invalid = checkHeaders(upgrade.headers, true);
  if (invalid !== undefined) return invalid;
  return upgrade.responseHeaders === undefined ? undefined : checkHeaders(upgrade.responseHeaders, true);
}

function checkHeaders(value: unknown, arrays: boolean): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "invalid headers";
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) return `too many headers (${entries.length})`;
  let bytes = 0;
  for (const [name, header] of entries) {
    bytes += name.length;
    if (typeof header === "string") bytes += header.length;
    else if (arrays && Array.isArray(header) && header.every((v) => typeof v === "string")) for (const v of header) bytes += v.length;
    else return `invalid header ${JSON.stringify(name.slice(0, 40))}`;
    if (bytes > MAX_HEADER_BYTES) return "headers too large";
  }
  return undefined;
}

function isShortString(value: unknown, max: number): value is string {
  return typeof value === "string" && value.length <= max;
}

export function toWirePoll(poll: ForwardedPoll): WirePoll {
  return { ...poll, body: poll.body.toString("base64") };
}

export function fromWirePoll(poll: WirePoll): ForwardedPoll {
  return {
    sid: poll.sid,
    method: poll.method,
    url: poll.url,
    headers: { ...poll.headers },
    body: Buffer.from(poll.body, "base64"),
    remoteAddress: poll.remoteAddress,
  };
}

export function toWireAnswer(answer: ForwardedAnswer): WireAnswer {
  return { status: answer.status, headers: answer.headers, body: answer.body.toString("base64") };
}

export function fromWireAnswer(answer: WireAnswer): ForwardedAnswer {
  return { status: answer.status, headers: { ...answer.headers }, body: Buffer.from(answer.body, "base64") };
}
