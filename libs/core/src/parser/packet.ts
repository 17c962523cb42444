/** Socket.IO protocol revision spoken by this codec (Socket.IO v3/v4 clients). */
export const protocol = 5;

export enum PacketType {
  CONNECT = 0,
  DISCONNECT = 1,
  EVENT = 2,
  ACK = 3,
  CONNECT_ERROR = 4,
  BINARY_EVENT = 5,
  BINARY_ACK = 6,
}

/** A decoded Socket.IO packet (same shape as `socket.io-parser`'s). */
export interface Packet {
  type: PacketType;
  nsp: string;
  data?: any;
  id?: number;
  attachments?: number;
}

/**
 * Event names a peer must never send or emit: they are used by the client or the server
 * library itself (or by Node's EventEmitter), so a packet carrying one would impersonate them.
 */
export const RESERVED_EVENTS: ReadonlySet<string> = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

export const PACKET_TYPE_NAMES: Record<number, string> = {
  0: "CONNECT",
  1: "DISCONNECT",
  2: "EVENT",
  3: "ACK",
  4: "CONNECT_ERROR",
  5: "BINARY_EVENT",
  6: "BINARY_ACK",
};
