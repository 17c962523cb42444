import { io as connectClient, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client';

export type { ClientSocket };

/** Connects the official client and resolves once connected (rejects with the connect_error). */
export function connect(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<ClientSocket> {
  const socket = connectClient(url, { forceNew: true, reconnection: false, transports: ['websocket'], ...options });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', error => {
      socket.close();
      reject(error);
    });
  });
}

/** Resolves with the connect_error a refused client gets. */
export function connectError(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<Error & { data?: unknown }> {
  const socket = connectClient(url, { forceNew: true, reconnection: false, transports: ['websocket'], ...options });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.close();
      reject(new Error('expected the connection to be refused'));
    });
    socket.once('connect_error', error => {
      socket.close();
      resolve(error as Error & { data?: unknown });
    });
  });
}

export function nextEvent<T = unknown>(socket: ClientSocket, event: string): Promise<T> {
  return new Promise(resolve => socket.once(event, (value: T) => resolve(value)));
}

/** Collects `count` values of an event. */
export function events<T = unknown>(socket: ClientSocket, event: string, count: number): Promise<T[]> {
  const values: T[] = [];
  return new Promise(resolve => {
    const listener = (value: T) => {
      values.push(value);
      if (values.length === count) {
        socket.off(event, listener);
        resolve(values);
      }
    };
    socket.on(event, listener);
  });
}
