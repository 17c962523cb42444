// The slice of engine.io-client 3.x (installed as `engine.io-client-v3`, it ships no types) the tests use.
declare module "engine.io-client-v3" {
  class Socket {
    constructor(uri: string, opts?: Record<string, unknown>);
    readonly id: string;
    readonly readyState: string;
    readonly transport: { readonly name: string };
    on(event: string, listener: (...args: any[]) => void): this;
    once(event: string, listener: (...args: any[]) => void): this;
    send(data: string | Buffer, callback?: () => void): this;
    close(): this;
  }
  export = Socket;
}
