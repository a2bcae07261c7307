/**
 * The lazy-load seams: code that only some deployments need, required here (never imported
 * at the top of a module) so that the others do not load it at cold start.
 *
 * `esbuild.config.mjs` (LAZY_CHUNKS) splits each module required here into its own file
 * beside the function's bundle; the specifiers below and the keys there must match, and
 * `test/integration/bundle-contents.test.ts` checks that they do.
 */
import type * as RedisTierModule from '../cache/redis';
import type * as SecretsManagerReadModule from '../credentials/secrets-manager-read';
import type * as OidcStsReadModule from '../credentials/oidc-sts-read';
import * as errors from '../errors';
import * as huaweiResponse from '../huawei/response';
import * as log from '../log';
import type * as CredentialSourcesModule from './credential-sources';

/** The Redis tier and its client library (about 150 KB, tens of milliseconds): only with REDIS_URL. */
export function loadRedisTier(): typeof RedisTierModule {
  return require('../cache/redis') as typeof RedisTierModule;
}

/** The AWS Secrets Manager client (the AWS SDK): only with HUAWEICLOUD_CREDENTIALS_SECRET_ID, and only at the secret's first read. */
export function loadSecretsManagerReader(): typeof SecretsManagerReadModule {
  return require('../credentials/secrets-manager-read') as typeof SecretsManagerReadModule;
}

/** The AWS STS client (the AWS SDK): only with HUAWEICLOUD_ID_TOKEN_AUDIENCE, and only at the first exchange. */
export function loadStsTokenReader(): typeof OidcStsReadModule {
  return require('../credentials/oidc-sts-read') as typeof OidcStsReadModule;
}

/**
 * The fallback credential sources (Secrets Manager, OIDC federation, ECS metadata): only when
 * an invocation has neither the agency's nor the environment's keys. They throw the adapter's
 * error classes and register secrets with the logger, so the chunk (built `fromMainBundle`)
 * holds no copies of those modules: its file exports a function of this bundle's, evaluated
 * once per bundle. Run from the sources (tests), the require gives the module itself.
 */
let credentialSources: typeof CredentialSourcesModule | undefined;
export function loadCredentialSources(): typeof CredentialSourcesModule {
  if (credentialSources === undefined) {
    const loaded = require('./credential-sources') as
      | typeof CredentialSourcesModule
      | ((modules: MainBundleModules) => typeof CredentialSourcesModule);
    credentialSources = typeof loaded === 'function' ? loaded({ errors, log, 'huawei/response': huaweiResponse }) : loaded;
  }
  return credentialSources;
}

/** What a `fromMainBundle` chunk takes from the bundle that loads it (esbuild.config.mjs MAIN_BUNDLE_MODULES). */
interface MainBundleModules {
  readonly errors: typeof errors;
  readonly log: typeof log;
  readonly 'huawei/response': typeof huaweiResponse;
}
