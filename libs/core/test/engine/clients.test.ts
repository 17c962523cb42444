/**
 * `engine.clients`: the plain object keyed by session id the reference documents. Built on the
 * first read from the sessions open then, and kept in step from then on (connections opened and
 * closed later); a session id that is a prototype key stays an own property.
 */
import { describe, it, after, before } from "node:test";
import assert from "node:assert/strict";
import { waitUntil } from "@sockline/e2e/support";
import { openClient, pollingHandshake, post, startServer, type TestServer } from "./helpers.js";

describe("engine.clients", () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it("holds the sessions opened before and after its first read, and loses the closed ones", async () => {
    const first = await openClient(server, { transports: ["websocket"] });
    const firstId = first.id!;
    const clients = server.engine.clients;
    assert.equal(Object.getPrototypeOf(clients), Object.prototype, "a plain object, as the reference's");
    assert.deepEqual(Object.keys(clients), [firstId]);
    const second = await openClient(server, { transports: ["websocket"] });
    const secondId = second.id!;
    assert.equal(server.engine.clients, clients, "the same object on every read");
    assert.deepEqual(Object.keys(clients).sort(), [firstId, secondId].sort());
    assert.equal(clients[secondId]?.id, secondId);
    first.close();
    await waitUntil(() => !(firstId in clients), "the closed session to leave clients");
    assert.deepEqual(Object.keys(clients), [secondId]);
    second.close();
    await waitUntil(() => server.engine.clientsCount === 0, "the second session to close");
    assert.deepEqual(clients, {});
  });

  it('a session id "__proto__" (a custom generateId) is an own property; the prototype is untouched', async () => {
    const engine = server.engine;
    const generateId = engine.generateId;
    engine.generateId = () => "__proto__";
    try {
      const { open } = await pollingHandshake(server);
      assert.equal(open.sid, "__proto__");
      const clients = engine.clients;
      assert.equal(Object.getPrototypeOf(clients), Object.prototype);
      assert.ok(Object.hasOwn(clients, "__proto__"));
      assert.deepEqual(Object.keys(clients), ["__proto__"]);
      await post(server, "__proto__", "1");
      await waitUntil(() => engine.clientsCount === 0, "the session to close");
      assert.deepEqual(Object.keys(clients), []);
      assert.equal(Object.getPrototypeOf(clients), Object.prototype);
    } finally {
      engine.generateId = generateId;
    }
  });
});
