import * as wsModule from "ws";

type FrameFn = (data: Buffer, opts: { readOnly: boolean; mask: boolean; rsv1: boolean; opcode: number; fin: boolean }) => Buffer[];

// The ESM build of ws exports Sender by name (the default export, WebSocket, does not carry it).
const frame: FrameFn | undefined = (wsModule as unknown as { Sender?: { frame?: FrameFn } }).Sender?.frame;

/**
 * The WebSocket frame carrying one Engine.IO message packet ("4" + text), built once per broadcast so
 * the websocket transport can write the same bytes to every recipient. Undefined if `ws` cannot do it.
 */
export function precomputeWsFrame(encodedText: string): Buffer[] | undefined {
  if (!frame) return undefined;
  return frame(Buffer.from("4" + encodedText), { readOnly: false, mask: false, rsv1: false, opcode: 1, fin: true });
}
