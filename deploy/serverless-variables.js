// Values serverless.yml cannot express by itself, resolved when the stack is packaged
// (`${file(./deploy/serverless-variables.js):name}`; Serverless Framework v3 calls each function).

/**
 * The refresh function's schedule runs only when it has clusters to refresh: with an empty
 * REFRESH_CLUSTER_IDS it would wake every minute to warn that there is nothing to do.
 */
module.exports.refreshScheduleEnabled = () => (process.env.REFRESH_CLUSTER_IDS ?? '').trim() !== '';
