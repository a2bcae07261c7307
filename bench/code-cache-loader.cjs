// Analysis only, never deployed: loads a bundle through a V8 code cache, so that the bench
// can measure how much of a cold invocation is V8 compiling the bundle's JavaScript (the
// code cache holds the bytecode of every function the first answer ran). The first process
// to load it writes the cache after its first answer; later ones use it, and fail rather
// than report a figure if V8 rejects it.
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const Module = require('node:module');
const { dirname } = require('node:path');
const vm = require('node:vm');

exports.load = (bundleFile, cacheFile) => {
  const cachedData = existsSync(cacheFile) ? readFileSync(cacheFile) : undefined;
  const script = new vm.Script(Module.wrap(readFileSync(bundleFile, 'utf8')), { filename: bundleFile, cachedData });
  if (cachedData !== undefined && script.cachedDataRejected) throw new Error(`V8 rejected the code cache ${cacheFile}`);
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(bundleFile), module, bundleFile, dirname(bundleFile));
  const { handler } = module.exports;
  return {
    handler: async (event, context) => {
      const answer = await handler(event, context);
      if (cachedData === undefined) writeFileSync(cacheFile, script.createCachedData());
      return answer;
    },
  };
};
