// The report side: medians, percentiles, ratios to the reference, target verdicts and the SVG.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ratioChart } from "../dist/report/chart.js";
import { KEY_METRICS, meetsTarget } from "../dist/report/key-metrics.js";
import type { Line } from "../dist/report/lines.js";
import { summarize, summaryTable } from "../dist/report/summary.js";
import { LatencyRecorder, median } from "../dist/stats.js";

function result(impl: "socketio" | "sockline" | "ws", repeat: number, serverUsPerOp: number): Line {
  return { type: "result", scenario: "echo", impl, repeat, mode: "test", at: "", metrics: { serverUsPerOp, opsPerSec: 1000 } };
}

describe("bench report", () => {
  it("takes medians and percentiles", () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
    assert.ok(Number.isNaN(median([])));
    const recorder = new LatencyRecorder(1000);
    for (let i = 1; i <= 100; i++) recorder.record(i);
    assert.equal(recorder.percentile(50), 50);
    assert.equal(recorder.percentile(99), 99);
    assert.equal(recorder.count, 100);
  });

  it("keeps a bounded sample of a long run", () => {
    const recorder = new LatencyRecorder(10);
    for (let i = 0; i < 10_000; i++) recorder.record(i);
    assert.equal(recorder.count, 10_000);
    assert.ok(recorder.percentile(100) < 10_000);
  });

  it("computes ratios of medians to the reference and judges the targets", () => {
    const lines = [
      result("socketio", 0, 10),
      result("sockline", 0, 7),
      result("socketio", 1, 12),
      result("sockline", 1, 9),
      result("socketio", 2, 11),
      result("sockline", 2, 8),
    ];
    const rows = summarize(lines, ["socketio", "sockline"], "socketio");
    const row = rows.find((r) => r.key.scenario === "echo" && r.key.metric === "serverUsPerOp")!;
    assert.equal(row.cells.socketio!.value, 11);
    assert.equal(row.cells.sockline!.value, 8);
    assert.equal(row.cells.sockline!.ratio, 8 / 11);
    assert.equal(meetsTarget(row.key, row.cells.sockline!.ratio), true);
    assert.equal(meetsTarget(row.key, 0.8), false);
    const throughput = KEY_METRICS.find((k) => k.scenario === "polling" && k.metric === "opsPerSec")!;
    assert.equal(meetsTarget(throughput, 1.2), true);
    assert.equal(meetsTarget(throughput, 0.9), false);
    const table = summaryTable(rows, ["socketio", "sockline"], "socketio", ["sockline"]);
    assert.match(table, /\| echo: server µs\/ack \| 11 \| 8 \(0\.73×\) \| ≤ 0\.75× \| yes \|/);
  });

  it("draws one bar per implementation and key metric, escaped and well-formed", () => {
    const lines = [result("socketio", 0, 10), result("sockline", 0, 5), result("ws", 0, 4)];
    const svg = ratioChart(
      summarize(lines, ["socketio", "sockline", "ws"], "socketio"),
      ["socketio", "sockline", "ws"],
      "socketio",
      "a < b & c",
    );
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>$/);
    assert.ok(svg.includes("a &lt; b &amp; c"));
    // Bar labels are the only 9px texts; the axis ticks (0×, 0.5×, ...) use the default size.
    const barLabels = [...svg.matchAll(/font-size="9">([^<]*)<\/text>/g)].map((match) => match[1]);
    // Two metrics have data (µs/ack: 0.5× and 0.4×; acks/s: equal to the reference), one bar per implementation each.
    assert.deepEqual(barLabels.sort(), ["0.4×", "0.5×", "1×", "1×"]);
  });
});
