export { startChat, FRAMEWORKS, isFramework, type ChatOptions, type Framework, type RunningChat } from "./start.js";
export { ChatService, DEFAULT_ROOM, type ChatNamespace, type ChatSocket } from "./chat-service.js";
export { ChatStore, type ChatMessage, type Member, type PrivateMessage } from "./chat-store.js";
export { checkNickname, NICKNAME_MAX_LENGTH } from "./nickname.js";
export type { ServerToClientEvents, InterServerEvents, SocketData, JoinReply, SentReply, RoomSummary } from "./events.js";
