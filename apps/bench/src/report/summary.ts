// Medians over repeats and ratios to the reference, as a table (markdown, readable in a terminal).
import type { ImplName, ScenarioName } from "../ipc.js";
import { median, round } from "../stats.js";
import { describeTarget, KEY_METRICS, meetsTarget, type KeyMetric } from "./key-metrics.js";
import type { Line, ResultLine } from "./lines.js";

export interface SummaryCell {
  value: number;
  /** value / reference value (NaN when the reference has no value) */
  ratio: number;
}

export interface SummaryRow {
  key: KeyMetric;
  cells: Partial<Record<ImplName, SummaryCell>>;
}

export function summarize(lines: readonly Line[], impls: readonly ImplName[], reference: ImplName): SummaryRow[] {
  const results = lines.filter((line): line is ResultLine => line.type === "result");
  const medianOf = (scenario: ScenarioName, impl: ImplName, metric: string): number =>
    median(
      results
        .filter((r) => r.scenario === scenario && r.impl === impl && Number.isFinite(r.metrics[metric]))
        .map((r) => r.metrics[metric]!),
    );
  const rows: SummaryRow[] = [];
  for (const key of KEY_METRICS) {
    const referenceValue = medianOf(key.scenario, reference, key.metric);
    const cells: SummaryRow["cells"] = {};
    for (const impl of impls) {
      const value = medianOf(key.scenario, impl, key.metric);
      if (Number.isNaN(value)) continue;
      cells[impl] = { value, ratio: referenceValue > 0 ? value / referenceValue : Number.NaN };
    }
    if (Object.keys(cells).length > 0) rows.push({ key, cells });
  }
  return rows;
}

function formatValue(value: number): string {
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  return String(round(value, 3));
}

/** Markdown table: one row per key metric, the median per implementation with its ratio to the reference. */
export function summaryTable(rows: readonly SummaryRow[], impls: readonly ImplName[], reference: ImplName, judged: ImplName[]): string {
  const header = ["scenario: metric", ...impls, "target (vs " + reference + ")", ...judged.map((impl) => `${impl} meets?`)];
  const out = [`| ${header.join(" | ")} |`, `|${header.map(() => " --- ").join("|")}|`];
  for (const row of rows) {
    const cells = impls.map((impl) => {
      const cell = row.cells[impl];
      if (!cell) return "–";
      return impl === reference || !Number.isFinite(cell.ratio)
        ? formatValue(cell.value)
        : `${formatValue(cell.value)} (${cell.ratio.toFixed(2)}×)`;
    });
    const verdicts = judged.map((impl) => {
      const cell = row.cells[impl];
      if (!cell || row.key.target === undefined) return "";
      if (!Number.isFinite(cell.ratio)) return "n/a";
      // Judged on the ratio as printed (two decimals), so the verdict agrees with what the reader sees.
      return meetsTarget(row.key, Number(cell.ratio.toFixed(2))) ? "yes" : "**no**";
    });
    out.push(`| ${[row.key.label, ...cells, describeTarget(row.key), ...verdicts].join(" | ")} |`);
  }
  return out.join("\n");
}
