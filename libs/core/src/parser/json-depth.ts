/**
 * Nesting depth of a JSON text, found by scanning brackets outside string literals. Stops early once
 * `limit` is exceeded so a hostile payload costs at most one pass. Used before anything recursive
 * (JSON.stringify when the app re-emits, hasBinary) touches the parsed value: V8's JSON.parse copes
 * with very deep input but the recursive walkers do not.
 */
export function jsonDepthExceeds(text: string, start: number, limit: number): boolean {
  // A text shorter than twice the limit cannot open (and close) more than `limit` levels.
  if (text.length - start <= limit * 2) return false;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > limit) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) {
      depth--;
    }
  }
  return false;
}
