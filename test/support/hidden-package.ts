// Runs a script in a fresh Node process in which one package cannot be found, as on a machine where
// it is not installed: the way to test an optional peer dependency's "missing" path for real, while
// the workspace has every package linked.
import { execFile } from "node:child_process";

export interface ScriptResult {
  stdout: string;
  stderr: string;
  /** The exit code (null when the process was killed, e.g. at the timeout). */
  code: number | null;
}

/**
 * Runs the ES module `script` (top-level await allowed; import what it needs with `await import()`)
 * in a new Node process started in `cwd`, where resolving `hiddenPackage` (or any subpath of it)
 * fails with `ERR_MODULE_NOT_FOUND`, the error Node gives for a package that is not installed.
 * Killed after `timeoutMs` (default 30 s) so a script that hangs cannot hang the suite.
 */
export function runWithoutPackage(
  hiddenPackage: string,
  script: string,
  options: { cwd: string; timeoutMs?: number },
): Promise<ScriptResult> {
  const hook = `export async function resolve(specifier, context, next) {
    const hidden = ${JSON.stringify(hiddenPackage)};
    if (specifier === hidden || specifier.startsWith(hidden + "/")) {
      throw Object.assign(new Error("Cannot find package '" + specifier + "' (hidden by the test)"), { code: "ERR_MODULE_NOT_FOUND" });
    }
    return next(specifier, context);
  }`;
  const preamble = `import { register } from "node:module";\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--input-type=module", "-e", preamble + script],
      { cwd: options.cwd, timeout: options.timeoutMs ?? 30_000, env: { ...process.env, NODE_ENV: "test" } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
        resolve({ stdout, stderr, code });
      },
    );
  });
}
