import { textFrame } from "../engine/ws-frame.js";

const MESSAGE_CODE = 0x34; // Engine.IO "4"

/**
 * The WebSocket frame carrying one Engine.IO message packet ("4" + text), built once per broadcast so
 * the websocket transport can write the same bytes to every recipient. Undefined for payloads too
 * large to be worth copying into one frame (the transport then frames them itself).
 */
export function precomputeWsFrame(encodedText: string): Buffer | undefined {
  return textFrame(MESSAGE_CODE, encodedText);
}
