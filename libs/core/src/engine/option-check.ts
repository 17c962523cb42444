/**
 * The check of a constructor's options. JavaScript callers get no type error for a misspelt option
 * (`connectionStateRecovry`), nor for one of the reference's options Sockline does not implement
 * (`wsEngine: eiows.Server`): both would be silently ignored and the server would behave differently
 * from what was written. So, once at construction:
 * - an option nobody knows (neither Sockline nor the reference) gets a process warning, code
 *   `SOCKLINE_UNKNOWN_OPTION`, naming it and the closest known name (once per name and process);
 * - a reference option Sockline does not support, with a value that needs it, throws a TypeError
 *   (code `SOCKLINE_UNSUPPORTED_OPTION`) naming the option and why.
 */
import createDebug from "debug";

const debug = createDebug("sockline:engine");

export const UNKNOWN_OPTION_WARNING = "SOCKLINE_UNKNOWN_OPTION";
export const UNSUPPORTED_OPTION_ERROR = "SOCKLINE_UNSUPPORTED_OPTION";

/** Why a value of a known option cannot be honoured, or undefined when it can. */
export type UnsupportedCheck = (value: unknown) => string | undefined;

export interface OptionRules {
  /** Every option name accepted (the unsupported ones included). */
  readonly known: ReadonlySet<string>;
  /** Options of the reference Sockline does not implement (for some or all values). */
  readonly unsupported: Readonly<Record<string, UnsupportedCheck>>;
  /** Options whose object value is a set of sub-options, checked one level down (`cors.allowHeaders`). */
  readonly nested: Readonly<Record<string, ReadonlySet<string>>>;
}

/**
 * Set by a caller that has checked the options already (the Socket.IO server, whose options are a
 * superset of the engine's), so that the engine it creates does not check them again.
 */
export const OPTIONS_CHECKED: unique symbol = Symbol("sockline.optionsChecked");

/** Names already warned about in this process: a warning per misspelt name, not per server. */
const warned = new Set<string>();

/** Checks `options` against `rules`; `where` names the constructor in the messages ("new Server()"). */
export function checkOptions(options: object, rules: OptionRules, where: string): void {
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    if (!rules.known.has(name)) {
      warnUnknown(name, closest(name, rules.known), where);
      continue;
    }
    const reason = rules.unsupported[name]?.(value);
    if (reason !== undefined) {
      const error = new TypeError(`${where}: the option ${describe(name, value)} is not supported by Sockline: ${reason}`);
      (error as TypeError & { code: string }).code = UNSUPPORTED_OPTION_ERROR;
      throw error;
    }
    const subOptions = rules.nested[name];
    if (subOptions === undefined || typeof value !== "object" || value === null || Array.isArray(value)) continue;
    for (const [subName, subValue] of Object.entries(value)) {
      if (subValue === undefined || subOptions.has(subName)) continue;
      const suggestion = closest(subName, subOptions);
      warnUnknown(`${name}.${subName}`, suggestion === undefined ? undefined : `${name}.${suggestion}`, where);
    }
  }
}

function warnUnknown(name: string, suggestion: string | undefined, where: string): void {
  debug("%s: unknown option %s (closest known: %s)", where, name, suggestion);
  if (warned.has(name)) return;
  warned.add(name);
  const hint = suggestion === undefined ? "" : ` Did you mean "${suggestion}"?`;
  process.emitWarning(`${where}: unknown option "${name}", ignored.${hint}`, { code: UNKNOWN_OPTION_WARNING });
}

function describe(name: string, value: unknown): string {
  const shown = typeof value === "function" ? `[function ${value.name || "anonymous"}]` : (JSON.stringify(value) ?? String(value));
  return `"${name}: ${shown}"`;
}

/** The known name closest to `name` (case ignored), if it is close enough to be a misspelling. */
function closest(name: string, known: ReadonlySet<string>): string | undefined {
  const wanted = name.toLowerCase();
  const tolerance = Math.max(2, Math.floor(name.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= tolerance ? best : undefined;
}

/** Edit distance with adjacent transpositions (optimal string alignment): `recovry` → `recovery` is 1. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[(i - 1) * cols + j]! + 1, d[i * cols + j - 1]! + 1, d[(i - 1) * cols + j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) value = Math.min(value, d[(i - 2) * cols + j - 2]! + 1);
      d[i * cols + j] = value;
    }
  }
  return d[rows * cols - 1]!;
}
