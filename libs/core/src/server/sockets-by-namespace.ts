/**
 * The sockets of one connection, by namespace name. Almost every connection joins a single
 * namespace, so the first one sits in two fields and a Map only exists from the second on: an idle
 * connection does not pay for a Map and its hash table.
 */
export class SocketsByNamespace<S> {
  private firstName: string | undefined = undefined;
  private first: S | undefined = undefined;
  private others: Map<string, S> | undefined = undefined;

  get size(): number {
    return (this.first === undefined ? 0 : 1) + (this.others === undefined ? 0 : this.others.size);
  }

  get(name: string): S | undefined {
    if (this.firstName === name) return this.first;
    return this.others?.get(name);
  }

  set(name: string, socket: S): void {
    const inSlot = this.first !== undefined ? this.firstName === name : !(this.others?.has(name) ?? false);
    if (inSlot) {
      this.firstName = name;
      this.first = socket;
    } else {
      (this.others ??= new Map()).set(name, socket);
    }
  }

  delete(name: string): boolean {
    if (this.first !== undefined && this.firstName === name) {
      this.firstName = undefined;
      this.first = undefined;
      return true;
    }
    return this.others?.delete(name) ?? false;
  }

  /** A snapshot, safe to iterate while sockets leave. Join order is kept except after the first leaves and comes back. */
  list(): S[] {
    const list: S[] = this.first === undefined ? [] : [this.first];
    if (this.others !== undefined) for (const socket of this.others.values()) list.push(socket);
    return list;
  }

  clear(): void {
    this.firstName = undefined;
    this.first = undefined;
    this.others = undefined;
  }
}
