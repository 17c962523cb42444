export { protocol, PacketType, RESERVED_EVENTS, PACKET_TYPE_NAMES, type Packet } from "./packet.js";
export { Encoder, type JSONReplacer } from "./encoder.js";
export {
  Decoder,
  isPacketValid,
  DEFAULT_MAX_ATTACHMENTS,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_ATTACHMENT_BYTES,
  type DecoderOptions,
  type JSONReviver,
} from "./decoder.js";
export { ParserError, type ParserLimitFigures } from "./errors.js";
export { isBinary, hasBinary, type BinaryLike } from "./binary.js";
