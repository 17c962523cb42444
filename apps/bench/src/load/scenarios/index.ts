// The scenario table of the load generator.
import type { ScenarioName } from "../../ipc.js";
import type { Scenario } from "../context.js";
import { binary } from "./binary.js";
import { connect } from "./connect.js";
import { echo } from "./echo.js";
import { runFanout } from "./fanout.js";
import { memory } from "./memory.js";
import { polling } from "./polling.js";
import { routedPolling, routedWebSocket } from "./routed.js";
import { slowConsumer } from "./slow-consumer.js";

export const scenarios: Record<ScenarioName, Scenario> = {
  echo,
  fanout: (context) => runFanout(context, {}),
  "fanout-room": (context) => runFanout(context, { roomSize: context.job.params["roomSize"] ?? 100 }),
  memory,
  connect,
  polling,
  binary,
  crossnode: (context) => runFanout(context, { crossNode: true }),
  "slow-consumer": slowConsumer,
  "routed-polling": routedPolling,
  "routed-ws": routedWebSocket,
  "routed-polling-ipc": routedPolling,
  "routed-ws-ipc": routedWebSocket,
};
