// Binary values come back as Buffer or ArrayBuffer depending on the side and the transport: compare
// their bytes, not their container.

/** The bytes of a Buffer, any typed array view or an ArrayBuffer; throws on anything else. */
export function bytesOf(value: unknown): number[] {
  if (value instanceof ArrayBuffer) return [...new Uint8Array(value)];
  if (ArrayBuffer.isView(value)) return [...new Uint8Array(value.buffer, value.byteOffset, value.byteLength)];
  throw new Error(`expected binary data, got ${describe(value)}`);
}

export function isBinary(value: unknown): boolean {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function describe(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  return `${value.constructor?.name ?? "object"} ${JSON.stringify(value)}`;
}

/** Replaces every binary value inside `value` by `{ bytes: [...] }`, so deepEqual can compare trees. */
export function normalizeBinary(value: unknown): unknown {
  if (isBinary(value)) return { bytes: bytesOf(value) };
  if (Array.isArray(value)) return value.map(normalizeBinary);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeBinary(v)]));
  }
  return value;
}
