/**
 * Entry point of a server rank: `deno run -A src/kvstore/dist/server_main.ts
 * [--import module.ts ...]`. Modules given with `--import` load first, so optimizers they
 * register (`mx.optimizer.register`) can be rebuilt here. tools/launch.ts starts servers
 * with this script.
 * @module
 */
import { resolve, toFileUrl } from "./_path.ts";
import { runServer } from "./server.ts";

const args = [...Deno.args];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--import" && args[i + 1]) await import(toFileUrl(resolve(args[++i])).href);
}
await runServer();
