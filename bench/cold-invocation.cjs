// One whole cold invocation, run by bench/run.mjs in a fresh node process:
// `node bench/cold-invocation.cjs <bundle> <cluster id>`. Requires the bundle, awaits its
// handler's answer to one direct event, and writes on fd 3 (stdout is the function's log):
// load and answer times in ms, counted from just before the require, the CPU time (user and
// system, all threads) spent meanwhile, and the RSS after the answer.
'use strict';
const start = process.hrtime.bigint();
const cpuAtStart = process.cpuUsage();
const { handler } = require(require('node:path').resolve(process.argv[2]));
const loaded = process.hrtime.bigint();
const context = { getRequestID: () => 'bench-cold', getRemainingTimeInMilliSeconds: () => 30_000 };

handler({ cluster_id: process.argv[3] }, context).then(
  (answer) => {
    const answered = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpuAtStart);
    const rssBytes = process.memoryUsage.rss();
    const ms = (ns) => Number(ns) / 1e6;
    const cpuMs = (cpu.user + cpu.system) / 1e3;
    require('node:fs').writeSync(
      3,
      JSON.stringify({ loadMs: ms(loaded - start), answerMs: ms(answered - start), cpuMs, rssBytes, answer }),
    );
    process.exit(0);
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
