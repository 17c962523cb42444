import { IsBoolean, IsString, Length, Matches } from "class-validator";

/**
 * The payloads of the client events (see PROTOCOL.md), validated by class-validator: the gateway
 * package validates them from the handler's parameter types, on the three frameworks.
 */

/** Room names are shown in the page and used in URLs of the future: keep them plain. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
/** Socket ids are base64url-like; anything else (a room name...) cannot be a private message target. */
export const SOCKET_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MESSAGE_MAX_LENGTH = 500;

const ROOM_RULE = "room must be 1-32 letters, digits, '_' or '-'";

export class RoomDto {
  @IsString()
  @Matches(ROOM_NAME_PATTERN, { message: ROOM_RULE })
  room!: string;
}

export class SendMessageDto {
  @IsString()
  @Matches(ROOM_NAME_PATTERN, { message: ROOM_RULE })
  room!: string;

  @IsString()
  @Length(1, MESSAGE_MAX_LENGTH)
  text!: string;
}

export class TypingDto {
  @IsString()
  @Matches(ROOM_NAME_PATTERN, { message: ROOM_RULE })
  room!: string;

  @IsBoolean()
  typing!: boolean;
}

export class PrivateMessageDto {
  @IsString()
  @Matches(SOCKET_ID_PATTERN, { message: "to must be a socket id" })
  to!: string;

  @IsString()
  @Length(1, MESSAGE_MAX_LENGTH)
  text!: string;
}
