/**
 * A fresh listener table for an EventEmitter (`_events`) that stays a fast-mode object.
 *
 * Node's emitter creates its table as `{ __proto__: null }`, which V8 makes a dictionary-mode object:
 * a Socket with six event listeners keeps ~470 bytes of table. An object built by a constructor whose
 * prototype has no properties at all (not even `constructor`) behaves the same for the emitter (no
 * inherited keys, so `events.toString`, `events.__proto__`... are undefined) but keeps its properties
 * in shared hidden classes: sockets registering the same events share their shapes and each table is
 * a fraction of the size.
 */
function ListenerTable(this: object): void {}
ListenerTable.prototype = Object.create(null);

export function newListenerTable(): object {
  return new (ListenerTable as unknown as new () => object)();
}
