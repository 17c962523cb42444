// The JSON lines the runner writes, one per event: a measurement, a failed run, a skipped
// scenario, or the official-client verification of an implementation.
import type { ImplName, Metrics, ScenarioName } from "../ipc.js";

export interface ResultLine {
  type: "result";
  scenario: ScenarioName;
  impl: ImplName;
  repeat: number;
  mode: string;
  at: string;
  metrics: Metrics;
}

export interface ErrorLine {
  type: "error";
  scenario: ScenarioName;
  impl: ImplName;
  repeat: number;
  mode: string;
  at: string;
  error: string;
}

export interface SkipLine {
  type: "skip";
  scenario: ScenarioName;
  impl?: ImplName;
  reason: string;
}

export interface VerifyLine {
  type: "verify";
  impl: ImplName;
  ok: boolean;
  detail: string;
}

export type Line = ResultLine | ErrorLine | SkipLine | VerifyLine;
