// The slice of socket.io-client 2.x (installed as `socket.io-client-v2`, it ships no types) the tests use.
declare module "socket.io-client-v2" {
  namespace io {
    type Listener = (...args: any[]) => void;

    interface LegacyEmitter<T> {
      on(event: string, listener: Listener): T;
      once(event: string, listener: Listener): T;
      off(event: string, listener?: Listener): T;
    }

    interface LegacyEngine extends LegacyEmitter<LegacyEngine> {
      readonly id: string;
      readonly transport: { readonly name: string };
    }

    interface LegacyManager extends LegacyEmitter<LegacyManager> {
      readonly engine: LegacyEngine;
      socket(nsp: string, opts?: Record<string, unknown>): LegacySocket;
      close(): LegacyManager;
    }

    interface LegacySocket extends LegacyEmitter<LegacySocket> {
      readonly id: string;
      readonly connected: boolean;
      readonly io: LegacyManager;
      emit(event: string, ...args: any[]): LegacySocket;
      open(): LegacySocket;
      close(): LegacySocket;
    }
  }

  function io(uri: string, opts?: Record<string, unknown>): io.LegacySocket;
  export = io;
}
