// Builds the functions once before any test file runs: the integration tests load the
// deployed bundles, and `npx jest` on a fresh clone must not find them missing or stale.
const { execFileSync } = require('node:child_process');
const { resolve } = require('node:path');

module.exports = () => {
  execFileSync(process.execPath, ['esbuild.config.mjs'], { cwd: resolve(__dirname, '..'), stdio: 'ignore' });
};
