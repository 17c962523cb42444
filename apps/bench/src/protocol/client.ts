// The load generator's view of one connection, whatever the server speaks. Callback-based on
// purpose: the hot loops must cost the load generator as little as possible.

export interface BenchClient {
  /** send `event` with one argument and call `onReply` with the first argument of the acknowledgement */
  emitWithAck(event: string, data: unknown, onReply: (reply: unknown) => void): void;
  /** send `event` with one argument, no acknowledgement */
  emit(event: string, data: unknown): void;
  /** listen to server pushes of `event` (one listener per event) */
  onEvent(event: string, listener: (data: unknown) => void): void;
  /** send a binary payload and call `onReply` with the binary payload echoed back */
  echoBinary(payload: Buffer, onReply: (reply: Buffer) => void): void;
  /** called once when the connection is lost or closed */
  onClose(listener: () => void): void;
  close(): Promise<void>;
}

export interface ConnectOptions {
  port: number;
  timeoutMs: number;
}
