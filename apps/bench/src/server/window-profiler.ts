// CPU profile of the measured window only (not of start-up or teardown), taken with the inspector
// inside the server process when the runner asks for profiles (`run.js --profile`).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

export class WindowProfiler {
  private session: Session | undefined;

  constructor(private readonly outputFile: string) {}

  private post(method: string, params?: object): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.session!.post(method, params ?? {}, (error, result) => (error ? reject(error) : resolve(result)));
    });
  }

  async start(): Promise<void> {
    this.session = new Session();
    this.session.connect();
    await this.post("Profiler.enable");
    await this.post("Profiler.setSamplingInterval", { interval: 100 });
    await this.post("Profiler.start");
  }

  async stop(): Promise<void> {
    if (!this.session) return;
    const { profile } = (await this.post("Profiler.stop")) as { profile: unknown };
    writeFileSync(this.outputFile, JSON.stringify(profile));
    this.session.disconnect();
    this.session = undefined;
  }
}
