/**
 * JSONP polling, as the reference engine still serves it to a polling request with a `j` query
 * parameter: engine.io-client 3.x uses it in browsers without XHR (or with `forceJSONP`). A GET
 * answer is a script calling the client's callback with the payload (`___eio[3]("1:6");`); a POST
 * is an HTML form (`application/x-www-form-urlencoded`) whose field `d` holds the payload, with
 * newlines escaped by the client. JSONP clients cannot take binary payloads.
 */

/** The callback index of a JSONP request (`j`, digits only), or undefined when it is not one. */
export function jsonpIndex(query: Record<string, string>): string | undefined {
  const j = query.j;
  return typeof j === "string" ? j.replace(/[^0-9]/g, "") : undefined;
}

/**
 * The script of a GET answer. `JSON.stringify` leaves U+2028 and U+2029 as they are, which JSON
 * allows and older JavaScript parsers do not: they are escaped.
 */
export function jsonpScript(index: string, payload: string): string {
  const js = JSON.stringify(payload)
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
  return `___eio[${index}](${js});`;
}

/**
 * The payload of a JSONP POST body (the form field `d`), its newlines unescaped as the client
 * escaped them (`\n` stands for a newline, `\\n` for a backslash and an `n`); undefined when the
 * body has no `d` field.
 */
export function jsonpPayload(body: string): string | undefined {
  const d = new URLSearchParams(body).get("d");
  if (d === null) return undefined;
  return d.replace(/(\\)?\\n/g, (match, slash: string | undefined) => (slash ? match : "\n")).replace(/\\\\n/g, "\\n");
}
