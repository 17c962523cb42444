/**
 * The one rule for nicknames, shared by the gateway's connection guard and the service: the nickname comes from
 * the handshake `auth` (`io({ auth: { nickname } })`), is trimmed, and must be 1 to 24 characters with
 * no control characters (they would garble the member list of everyone else).
 */
export const NICKNAME_MAX_LENGTH = 24;

export type NicknameCheck = { ok: true; nickname: string } | { ok: false; reason: string };

// Control characters (C0, DEL, C1) and the bidi overrides, which could make a name render as another.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what a nickname may not contain
const FORBIDDEN_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

export function checkNickname(auth: unknown): NicknameCheck {
  const raw = typeof auth === "object" && auth !== null ? (auth as { nickname?: unknown }).nickname : undefined;
  if (typeof raw !== "string") return { ok: false, reason: "a nickname is required (handshake auth.nickname)" };
  const nickname = raw.trim();
  // Counted in code points, like the page's maxlength, so an emoji counts once.
  const length = [...nickname].length;
  if (length === 0) return { ok: false, reason: "the nickname must not be empty" };
  if (length > NICKNAME_MAX_LENGTH) {
    return { ok: false, reason: `the nickname must be at most ${NICKNAME_MAX_LENGTH} characters (got ${length})` };
  }
  if (FORBIDDEN_CHARACTERS.test(nickname)) return { ok: false, reason: "the nickname contains control characters" };
  return { ok: true, nickname };
}
