/** Binary detection and the placeholder (de)construction used for binary attachments. */

export type BinaryLike = Buffer | ArrayBuffer | ArrayBufferView;

export function isBinary(value: unknown): value is BinaryLike {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** Whether any value reachable from `value` is binary (own enumerable properties, arrays, `toJSON()` results). */
export function hasBinary(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== "object") return false;
  // Deeply nested structures cannot carry binary in practice and must not blow the stack.
  if (depth > 1000) return false;
  if (isBinary(value)) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (hasBinary(value[i], depth + 1)) return true;
    }
    return false;
  }
  const withToJSON = value as { toJSON?: unknown };
  if (typeof withToJSON.toJSON === "function" && !(value instanceof Date)) {
    return hasBinary((withToJSON.toJSON as () => unknown)(), depth + 1);
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && hasBinary((value as any)[key], depth + 1)) return true;
  }
  return false;
}

/** A Buffer over the same memory (no copy): every transport knows how to write a Buffer. */
export function asBuffer(data: BinaryLike): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

export interface Placeholder {
  _placeholder: true;
  num: number;
}

/** Replaces every binary value by a `{_placeholder, num}` marker and collects the buffers in order. */
export function extractAttachments(data: unknown, buffers: BinaryLike[], viaToJSON = false): unknown {
  if (data === null || typeof data !== "object") return data;
  if (isBinary(data)) {
    const placeholder: Placeholder = { _placeholder: true, num: buffers.length };
    buffers.push(asBuffer(data));
    return placeholder;
  }
  if (Array.isArray(data)) {
    const out = new Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = extractAttachments(data[i], buffers);
    return out;
  }
  if (data instanceof Date) return data;
  const withToJSON = data as { toJSON?: unknown };
  if (!viaToJSON && typeof withToJSON.toJSON === "function") {
    return extractAttachments((withToJSON.toJSON as () => unknown)(), buffers, true);
  }
  const out: Record<string, unknown> = {};
  for (const key in data) {
    if (Object.hasOwn(data, key)) out[key] = extractAttachments((data as any)[key], buffers);
  }
  return out;
}

/**
 * Puts the received buffers back where their placeholders are (in place). Throws on a placeholder whose
 * index does not name a received buffer.
 */
export function insertAttachments(data: unknown, buffers: readonly Buffer[]): unknown {
  if (data === null || typeof data !== "object") return data;
  const maybe = data as Partial<Placeholder>;
  if (maybe._placeholder === true) {
    const num = maybe.num;
    if (typeof num === "number" && Number.isInteger(num) && num >= 0 && num < buffers.length) return buffers[num];
    throw new Error(`illegal attachment placeholder index ${String(num)}`);
  }
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) data[i] = insertAttachments(data[i], buffers);
    return data;
  }
  for (const key in data) {
    if (Object.hasOwn(data, key)) (data as any)[key] = insertAttachments((data as any)[key], buffers);
  }
  return data;
}
