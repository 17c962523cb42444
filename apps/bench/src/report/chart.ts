// A horizontal bar chart of the ratios to the reference, written as plain SVG: one group of bars per
// key metric, one bar per implementation, a line at 1× (the reference) and a mark at the target.
import type { ImplName } from "../ipc.js";
import { round } from "../stats.js";
import type { SummaryRow } from "./summary.js";

const COLORS: Record<ImplName, string> = {
  socketio: "#9e9e9e",
  ws: "#607d8b",
  sockline: "#1e88e5",
  "sockline-fastify": "#43a047",
  "sockline-express": "#fb8c00",
  "sockline-metrics": "#8e24aa",
  "sockline-traced": "#00897b",
};

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function ratioChart(rows: readonly SummaryRow[], impls: readonly ImplName[], reference: ImplName, title: string): string {
  const shown = impls.filter((impl) => impl !== reference);
  const barHeight = 11;
  const groupGap = 12;
  const labelWidth = 270;
  const plotWidth = 520;
  const top = 60;
  const groupHeight = shown.length * barHeight + groupGap;
  const height = top + rows.length * groupHeight + 40;
  const width = labelWidth + plotWidth + 80;
  const finiteRatios = rows.flatMap((row) => shown.map((impl) => row.cells[impl]?.ratio ?? Number.NaN)).filter(Number.isFinite);
  const maxRatio = Math.min(4, Math.max(2, ...finiteRatios.map((r) => Math.ceil(r * 2) / 2)));
  const x = (ratio: number) => labelWidth + (Math.min(ratio, maxRatio) / maxRatio) * plotWidth;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
  );
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(`<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  parts.push(
    `<text x="10" y="38" fill="#555">ratio to ${reference} (1× = reference; ▼ lower is better, ▲ higher is better; red tick = target)</text>`,
  );
  shown.forEach((impl, index) => {
    const lx = labelWidth + index * 130;
    parts.push(`<rect x="${lx}" y="44" width="10" height="10" fill="${COLORS[impl]}"/><text x="${lx + 14}" y="53">${impl}</text>`);
  });
  for (let tick = 0; tick <= maxRatio + 1e-9; tick += 0.5) {
    const tx = x(tick);
    parts.push(
      `<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 34}" stroke="${tick === 1 ? "#000" : "#e0e0e0"}" stroke-width="${tick === 1 ? 1.5 : 1}"/>`,
    );
    parts.push(`<text x="${tx}" y="${height - 20}" text-anchor="middle">${tick}×</text>`);
  }
  rows.forEach((row, rowIndex) => {
    const gy = top + rowIndex * groupHeight;
    const arrow = row.key.better === "lower" ? "▼" : "▲";
    parts.push(
      `<text x="${labelWidth - 8}" y="${gy + (shown.length * barHeight) / 2 + 4}" text-anchor="end">${escapeXml(row.key.label)} ${arrow}</text>`,
    );
    shown.forEach((impl, index) => {
      const cell = row.cells[impl];
      if (!cell || !Number.isFinite(cell.ratio)) return;
      const by = gy + index * barHeight;
      parts.push(
        `<rect x="${labelWidth}" y="${by}" width="${x(cell.ratio) - labelWidth}" height="${barHeight - 2}" fill="${COLORS[impl]}"/>`,
      );
      parts.push(`<text x="${x(cell.ratio) + 3}" y="${by + barHeight - 3}" font-size="9">${round(cell.ratio, 2)}×</text>`);
    });
    if (row.key.target !== undefined) {
      const tx = x(row.key.target);
      parts.push(
        `<line x1="${tx}" y1="${gy - 2}" x2="${tx}" y2="${gy + shown.length * barHeight}" stroke="#d32f2f" stroke-width="2" stroke-dasharray="3,2"/>`,
      );
    }
  });
  parts.push(`</svg>`);
  return parts.join("\n");
}
