// A test driving a Node child process over IPC, both sides: the parent's `ChildRpc` sends
// `{ id, cmd, args }` and settles each call with the child's `{ id, result }` or `{ id, error }`;
// the child's `serveCommands(handlers)` answers them. For fixtures that must run in a process of
// their own (a node that can be SIGKILLed, frozen with SIGSTOP, or must not share the test's heap).
import { fork, type ChildProcess } from "node:child_process";

/** A command the child serves: its `args` as the parent sent them, its result sent back. */
export type CommandHandler = (args: any) => Promise<unknown> | unknown;

export class ChildRpc {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: any): void; reject(error: Error): void }>();
  /** Resolves when the child exited (any way); pending calls are then rejected. */
  readonly exited: Promise<void>;

  private constructor(
    /** Names the child in errors ("A: unknown command x", "A exited"). */
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (message: { id: number; result?: unknown; error?: string }) => {
      const entry = this.pending.get(message.id);
      if (!entry) return;
      this.pending.delete(message.id);
      if (message.error !== undefined) entry.reject(new Error(`${name}: ${message.error}`));
      else entry.resolve(message.result);
    });
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    void this.exited.then(() => {
      for (const entry of this.pending.values()) entry.reject(new Error(`${name} exited`));
      this.pending.clear();
    });
  }

  /** Forks `script` (its output goes to the test's), which should call `serveCommands`. */
  static fork(script: string, name: string): ChildRpc {
    return new ChildRpc(name, fork(script, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `cmd` and resolves with the child's result (rejects with its error, or when it exits first). Unbounded: wrap it in a bound where a hang must fail. */
  call<T = unknown>(cmd: string, args: unknown = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, cmd, args }, (error) => {
        if (error) {
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }

  /** A crash: SIGKILL, no cleanup in the child. */
  async kill(): Promise<void> {
    if (this.alive) this.child.kill("SIGKILL");
    await this.exited;
  }

  /** Freezes the child (SIGSTOP): it keeps its sockets but answers nothing until `resume`. */
  pause(): void {
    this.child.kill("SIGSTOP");
  }

  resume(): void {
    this.child.kill("SIGCONT");
  }

  /** A clean stop: the child's `close` command (its failure ignored), then the IPC channel closes and the child exits. */
  async close(): Promise<void> {
    if (!this.alive) return;
    await this.call("close").catch(() => {});
    this.child.disconnect();
    await this.exited;
  }
}

/**
 * The child side: answers the parent's commands with `handlers` (an unknown command is an error),
 * and exits when the parent disconnects. `describe` turns a handler's failure into the error text
 * sent back (default: its message).
 */
export function serveCommands(
  handlers: Record<string, CommandHandler>,
  describe: (error: Error) => string = (error) => error.message,
): void {
  process.on("message", async (message: { id: number; cmd: string; args: unknown }) => {
    try {
      const handler = handlers[message.cmd];
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      process.send!({ id: message.id, result: await handler(message.args) });
    } catch (error) {
      process.send!({ id: message.id, error: describe(error as Error) });
    }
  });
  process.on("disconnect", () => process.exit(0));
}
