// Engine.IO protocol 4 facts the raw-protocol tests share.

/** The payload of the Engine.IO OPEN packet ("0{...}"), as the server sends it on a handshake. */
export interface OpenPacket {
  sid: string;
  upgrades: string[];
  pingInterval: number;
  pingTimeout: number;
  maxPayload: number;
}

/** The OPEN packet in `frame`, or undefined when `frame` is not one. */
export function parseOpenPacket(frame: string): OpenPacket | undefined {
  return frame.startsWith("0") ? (JSON.parse(frame.slice(1)) as OpenPacket) : undefined;
}
