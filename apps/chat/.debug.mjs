import { startChat } from '@sockline/chat';
import { io } from 'socket.io-client';
for (const framework of ['fastify','express','nestjs']) for (const wait of [0, 300]) {
  const chat = await startChat({ framework, host: '127.0.0.1', port: 0 });
  const c = io(chat.url, { auth: { nickname: 'x' }, reconnection: false });
  await new Promise(r => c.once('connect', r));
  await new Promise(r => setTimeout(r, wait));
  const t = c.io.engine.transport.name;
  const reason = new Promise(r => c.once('disconnect', (r2, d) => r([r2, d?.message ?? d?.description?.message ?? ''])));
  await chat.close();
  console.log(framework, wait, t, await reason);
}
