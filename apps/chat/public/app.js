// The chat page: plain browser JavaScript on the official Socket.IO client served by our server.
// Event names and payloads are described in apps/chat/PROTOCOL.md.

const $ = (id) => document.getElementById(id);
const TYPING_IDLE_MS = 1500;
const TYPING_SHOWN_MAX_MS = 6000;

const state = {
  socket: null,
  nickname: "",
  currentRoom: null,
  joined: new Set(),
  /** room -> rendered message list (kept so switching rooms is instant) */
  messages: new Map(),
  whisperTo: null,
  typing: new Map(), // room -> Map(socketId -> { nickname, expiry timer })
  typingTimer: null,
  typingSentAt: 0,
};

$("login-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const nickname = $("nickname").value.trim();
  if (!nickname) return;
  connect(nickname, $("polling-only").checked);
});

function connect(nickname, pollingOnly) {
  state.nickname = nickname;
  $("login-error").textContent = "";
  const socket = io({
    auth: { nickname },
    transports: pollingOnly ? ["polling"] : ["polling", "websocket"],
  });
  state.socket = socket;

  socket.on("connect", () => onConnected(socket));
  socket.on("connect_error", (err) => {
    // A rejection by the connection guard is final: show it and go back to the login form.
    if (!socket.active) {
      $("login-error").textContent = err.message;
      showLogin();
      socket.close();
    } else {
      setStatus("reconnecting", "reconnecting…");
    }
  });
  socket.on("disconnect", (reason) => {
    setStatus(socket.active ? "reconnecting" : "", socket.active ? "reconnecting…" : `disconnected (${reason})`);
  });
  socket.io.on("reconnect_attempt", () => setStatus("reconnecting", "reconnecting…"));

  socket.on("message", (message) => addMessage(message.room, message));
  socket.on("private", (message) => {
    const room = state.currentRoom;
    if (room) addMessage(room, { ...message, private: true });
  });
  socket.on("presence", ({ room, members }) => {
    // Someone who left while typing never sends "typing: false".
    const typers = state.typing.get(room);
    if (typers) for (const id of typers.keys()) if (!members.some((m) => m.id === id)) typers.delete(id);
    if (room === state.currentRoom) {
      renderMembers(members);
      renderTyping();
    }
  });
  socket.on("rooms", ({ rooms }) => renderRooms(rooms));
  socket.on("typing", ({ room, user, typing }) => {
    const map = state.typing.get(room) ?? new Map();
    clearTimeout(map.get(user.id)?.expiry);
    if (typing) {
      // Typing events are volatile: if the "stopped" one is lost, the indicator still goes away.
      const expiry = setTimeout(() => {
        map.delete(user.id);
        renderTyping();
      }, TYPING_SHOWN_MAX_MS);
      map.set(user.id, { nickname: user.nickname, expiry });
    } else {
      map.delete(user.id);
    }
    state.typing.set(room, map);
    renderTyping();
  });
}

async function onConnected(socket) {
  const engine = socket.io.engine;
  showTransport(engine.transport.name);
  engine.once("upgrade", (transport) => showTransport(transport.name));
  setStatus("connected", socket.recovered ? "connected (recovered)" : "connected");
  $("me-name").textContent = state.nickname;
  $("me-id").textContent = socket.id;
  showChat();

  if (!socket.recovered) {
    // A fresh session has no rooms on the server: join again what this page had joined.
    const rooms = state.joined.size > 0 ? [...state.joined] : ["lobby"];
    for (const room of rooms) await joinRoom(room, { select: room === (state.currentRoom ?? "lobby") });
  }
  const { rooms } = await socket.emitWithAck("rooms:list");
  renderRooms(rooms);
}

async function joinRoom(room, { select = true } = {}) {
  const reply = await state.socket.emitWithAck("room:join", { room });
  if (reply.error) return systemMessage(`cannot join ${room}: ${describeError(reply.error)}`);
  state.joined.add(reply.room);
  // Merged with what the page already shows: after a server restart the history is empty, and the
  // conversation so far should not vanish from the screen.
  const shown = state.messages.get(reply.room) ?? [];
  const fresh = reply.history.filter((m) => !shown.some((s) => s.id === m.id || s.serverId === m.id));
  const merged = [...shown, ...fresh.map((m) => ({ ...m, delivered: true }))].sort((a, b) => a.at - b.at);
  state.messages.set(reply.room, merged);
  if (select) selectRoom(reply.room, reply.members);
}

function selectRoom(room, members) {
  state.currentRoom = room;
  $("room-title").textContent = `#${room}`;
  $("members-room").textContent = `in #${room}`;
  renderMessages();
  renderTyping();
  if (members) renderMembers(members);
  for (const li of $("rooms").children) li.classList.toggle("active", li.dataset.room === room);
}

$("room-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const room = $("room-name").value.trim();
  if (!room) return;
  $("room-name").value = "";
  await joinRoom(room);
});

$("leave").addEventListener("click", async () => {
  const room = state.currentRoom;
  if (!room || room === "lobby") return;
  await state.socket.emitWithAck("room:leave", { room });
  state.joined.delete(room);
  state.messages.delete(room);
  const next = state.joined.has("lobby") ? "lobby" : [...state.joined][0];
  if (next) await joinRoom(next);
});

$("message-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("message").value.trim();
  if (!text || !state.currentRoom) return;
  $("message").value = "";
  stopTyping();
  if (state.whisperTo) return sendPrivate(state.whisperTo, text);

  const room = state.currentRoom;
  // Shown at once with a pending tick; the server's ack turns it into "delivered".
  const pending = { id: `local-${crypto.randomUUID()}`, room, from: self(), text, at: Date.now(), delivered: false };
  addMessage(room, pending);
  const reply = await state.socket
    .timeout(10_000)
    .emitWithAck("message:send", { room, text })
    .catch((err) => ({ error: err }));
  if (reply.error) return systemMessage(`not delivered: ${describeError(reply.error)}`);
  pending.serverId = reply.id;
  pending.delivered = true;
  renderMessages();
});

async function sendPrivate(to, text) {
  const reply = await state.socket.emitWithAck("private:send", { to: to.id, text });
  if (reply.error) systemMessage(`whisper failed: ${describeError(reply.error)}`);
}

$("message").addEventListener("input", () => {
  if (!state.currentRoom) return;
  // Said again now and then while typing goes on, since the others forget it after a while.
  if (!state.typingTimer || Date.now() - state.typingSentAt > TYPING_SHOWN_MAX_MS / 2) {
    state.socket.volatile.emit("typing", { room: state.currentRoom, typing: true });
    state.typingSentAt = Date.now();
  }
  clearTimeout(state.typingTimer);
  state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
});

function stopTyping() {
  if (!state.typingTimer) return;
  clearTimeout(state.typingTimer);
  state.typingTimer = null;
  state.socket.volatile.emit("typing", { room: state.currentRoom, typing: false });
}

$("whisper-cancel").addEventListener("click", () => setWhisper(null));

function setWhisper(member) {
  state.whisperTo = member;
  $("whisper-hint").hidden = !member;
  $("whisper-to").textContent = member ? member.nickname : "";
}

function self() {
  return { id: state.socket.id, nickname: state.nickname };
}

function addMessage(room, message) {
  const list = state.messages.get(room) ?? [];
  // A replayed message (connection state recovery) may already be in the list from the history.
  if (message.id && list.some((m) => m.id === message.id || m.serverId === message.id)) return;
  // Kept as the same object: the sender's pending message is updated in place when its ack arrives.
  if (message.delivered === undefined) message.delivered = true;
  list.push(message);
  state.messages.set(room, list);
  if (room === state.currentRoom) renderMessages();
}

function systemMessage(text) {
  addMessage(state.currentRoom, { id: `sys-${crypto.randomUUID()}`, system: true, text, at: Date.now() });
}

function renderMessages() {
  const ol = $("messages");
  ol.replaceChildren();
  for (const m of state.messages.get(state.currentRoom) ?? []) {
    const li = document.createElement("li");
    li.dataset.id = m.serverId ?? m.id;
    if (m.system) {
      li.className = "system";
      li.textContent = m.text;
    } else {
      const mine = m.from?.id === state.socket.id;
      li.className = [mine ? "mine" : "", m.private ? "private" : ""].join(" ").trim();
      const meta = document.createElement("div");
      meta.className = "meta";
      const who = m.private ? `${m.from.nickname} → ${m.to.nickname} (private)` : m.from.nickname;
      meta.append(textSpan(who), textSpan(new Date(m.at).toLocaleTimeString()));
      if (mine && !m.private) {
        const tick = textSpan(m.delivered ? "✓ delivered" : "… sending");
        tick.className = m.delivered ? "tick delivered" : "tick";
        tick.dataset.testid = "tick";
        meta.append(tick);
      }
      li.append(meta, textSpan(m.text, "text"));
    }
    ol.append(li);
  }
  ol.scrollTop = ol.scrollHeight;
}

function renderMembers(members) {
  const ul = $("members");
  ul.replaceChildren();
  for (const member of members) {
    const li = document.createElement("li");
    li.dataset.id = member.id;
    li.append(textSpan(member.nickname, "name"));
    if (member.id === state.socket.id) li.append(textSpan("you", "you"));
    else li.addEventListener("click", () => setWhisper(member));
    ul.append(li);
  }
}

function renderRooms(rooms) {
  const ul = $("rooms");
  ul.replaceChildren();
  for (const { name, members } of rooms) {
    const li = document.createElement("li");
    li.dataset.room = name;
    li.classList.toggle("active", name === state.currentRoom);
    li.append(textSpan(`#${name}`), textSpan(String(members), "count"));
    li.addEventListener("click", () => joinRoom(name));
    ul.append(li);
  }
}

function renderTyping() {
  const names = [...(state.typing.get(state.currentRoom)?.values() ?? [])].map((typer) => typer.nickname);
  $("typing").textContent = names.length === 0 ? "" : names.length === 1 ? `${names[0]} is typing…` : `${names.join(", ")} are typing…`;
}

function setStatus(kind, text) {
  $("status-dot").className = `dot ${kind}`;
  $("status-text").textContent = text;
}

function showTransport(name) {
  $("transport").textContent = name;
}

function showChat() {
  $("login").hidden = true;
  $("chat").hidden = false;
}

function showLogin() {
  $("login").hidden = false;
  $("chat").hidden = true;
}

function describeError(error) {
  return error?.message ?? String(error);
}

function textSpan(text, className) {
  const span = document.createElement("span");
  span.textContent = text;
  if (className) span.className = className;
  return span;
}
