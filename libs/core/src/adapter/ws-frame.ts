import { sharedTextFrame } from "../engine/ws-frame.js";

const MESSAGE_CODE = 0x34; // Engine.IO "4"

/**
 * The WebSocket frame carrying one Engine.IO message packet ("4" + text), built once per broadcast so
 * the websocket transport can write the same bytes to every recipient (one Buffer, or a header and
 * the payload for texts over 64 KiB: the text is UTF-8 encoded once, not once per recipient).
 */
export function precomputeWsFrame(encodedText: string): Buffer | Buffer[] {
  return sharedTextFrame(MESSAGE_CODE, encodedText);
}
