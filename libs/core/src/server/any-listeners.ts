/**
 * A list of catch-all listeners (`onAny` / `onAnyOutgoing`), created only when the first one is added:
 * most sockets never have any.
 */
export type AnyListener = (...args: any[]) => void;

export class AnyListeners {
  private list: AnyListener[] | undefined;

  add(listener: AnyListener, prepend: boolean): void {
    this.list ??= [];
    if (prepend) this.list.unshift(listener);
    else this.list.push(listener);
  }

  remove(listener?: AnyListener): void {
    if (!this.list) return;
    if (!listener) {
      this.list = [];
      return;
    }
    const index = this.list.indexOf(listener);
    if (index !== -1) this.list.splice(index, 1);
  }

  all(): AnyListener[] {
    return this.list ?? [];
  }

  get size(): number {
    return this.list ? this.list.length : 0;
  }

  /** Calls every listener with `args`; a copy is iterated so listeners may remove themselves. */
  call(thisArg: unknown, args: unknown[]): void {
    if (!this.list || this.list.length === 0) return;
    for (const listener of this.list.slice()) listener.apply(thisArg, args);
  }
}
