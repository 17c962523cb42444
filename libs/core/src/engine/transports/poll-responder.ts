/**
 * Where the polling transport writes its answers: an HTTP response of this node, or the answer
 * to a poll another node forwarded (see `routing/forwarded-poll.ts`). The transport only needs
 * these few operations, so a forwarded poll is served by the real transport, not by a stand-in
 * `ServerResponse`.
 */
import type { OutgoingHttpHeaders, ServerResponse } from "node:http";

export interface PollResponder {
  /** Whether the answer's status line is already written. */
  readonly headersSent: boolean;
  /** Bytes of the answer not handed to the kernel yet (counted as the session's, see `Transport.unsentBytes`). */
  readonly unsentBytes: number;
  /** Writes the whole answer; `onSent` runs once it is handed to the network. */
  answer(status: number, headers: OutgoingHttpHeaders, body?: string | Buffer, onSent?: () => void): void;
  /** Answers an error without reading the rest of the request, and drops the connection once answered. */
  refuse(status: number): void;
  /** Abandons the answer (its connection is dropped). */
  destroy(): void;
  /** `listener` runs once the answer is finished or abandoned. */
  onceClosed(listener: () => void): void;
}

/** A polling answer on this node's HTTP response. */
export class HttpPollResponder implements PollResponder {
  constructor(private readonly res: ServerResponse) {}

  get headersSent(): boolean {
    return this.res.headersSent;
  }

  get unsentBytes(): number {
    return this.res.writableLength;
  }

  answer(status: number, headers: OutgoingHttpHeaders, body?: string | Buffer, onSent?: () => void): void {
    this.res.writeHead(status, headers);
    if (body === undefined) this.res.end(onSent);
    else this.res.end(body, onSent);
  }

  refuse(status: number): void {
    const res = this.res;
    if (res.headersSent) return;
    res.shouldKeepAlive = false;
    res.writeHead(status, { Connection: "close", "Content-Length": "0" });
    res.end(() => res.req.socket.destroy());
  }

  destroy(): void {
    this.res.destroy();
  }

  onceClosed(listener: () => void): void {
    this.res.once("close", listener);
  }
}
