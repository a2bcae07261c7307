/**
 * The lazy-load seams: code that only some deployments need, required here (never imported
 * at the top of a module) so that the others do not load it at cold start.
 *
 * `esbuild.config.mjs` (LAZY_CHUNKS) splits each module required here into its own file
 * beside the function's bundle; the specifiers below and the keys there must match, and
 * `test/integration/bundle-contents.test.ts` checks that they do.
 */
import type * as ProjectLookupModule from '../iam/project-lookup';
import type * as RedisTierModule from '../cache/redis';
import type * as SecretsManagerReadModule from '../credentials/secrets-manager-read';
import type * as OidcStsReadModule from '../credentials/oidc-sts-read';

/** The Redis tier and its client library (about 150 KB, tens of milliseconds): only with REDIS_URL. */
export function loadRedisTier(): typeof RedisTierModule {
  return require('../cache/redis') as typeof RedisTierModule;
}

/** IAM's project look-up: only when no project id is configured. */
export function loadProjectLookup(): typeof ProjectLookupModule {
  return require('../iam/project-lookup') as typeof ProjectLookupModule;
}

/** The AWS Secrets Manager client (the AWS SDK): only with HUAWEICLOUD_CREDENTIALS_SECRET_ID, and only at the secret's first read. */
export function loadSecretsManagerReader(): typeof SecretsManagerReadModule {
  return require('../credentials/secrets-manager-read') as typeof SecretsManagerReadModule;
}

/** The AWS STS client (the AWS SDK): only with HUAWEICLOUD_ID_TOKEN_AUDIENCE, and only at the first exchange. */
export function loadStsTokenReader(): typeof OidcStsReadModule {
  return require('../credentials/oidc-sts-read') as typeof OidcStsReadModule;
}
