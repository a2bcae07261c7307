/**
 * The credential source asked after the agency and the environment's keys: the AWS Secrets
 * Manager secret when one is configured (Lambda), or OIDC federation when HUAWEICLOUD_IDP_ID
 * is set, else the ECS metadata service.
 *
 * A lazily loaded chunk (esbuild.config.mjs LAZY_CHUNKS, `credential-sources.js`), required by
 * lib/composition/lazy.ts only when an invocation first asks for the fallback: most sign with
 * the agency's or the environment's keys, and these sources (with `node:fs/promises`, which
 * the OIDC token file needs) cost every cold start several milliseconds to parse and load.
 * They throw the adapter's error classes and register secrets for scrubbing, so the chunk does
 * not carry copies of lib/errors.ts, lib/log.ts or lib/huawei/response.ts: it uses the main
 * bundle's (MAIN_BUNDLE_MODULES in esbuild.config.mjs).
 */
import type { Config } from '../config';
import type { FallbackCredentialSource } from '../credentials/chain';
import { createEcsMetadataSource } from '../credentials/ecs-metadata';
import { createOidcFederationSource, idTokenFromFile, idTokenFromSts } from '../credentials/oidc';
import type { ReadWebIdentityToken, WebIdentityTokenReaderOptions } from '../credentials/oidc-sts-read';
import { createSecretsManagerSource } from '../credentials/secrets-manager';
import type { ReadSecret, SecretReaderOptions } from '../credentials/secrets-manager-read';
import type { Send } from '../huawei/transport';
import type { Logger } from '../log';

/** The chunks the sources load on their own first use, from lib/composition/lazy.ts. */
export interface SourceReaders {
  readonly secretReader: (options: SecretReaderOptions) => ReadSecret;
  readonly webIdentityTokenReader: (options: WebIdentityTokenReaderOptions) => ReadWebIdentityToken;
}

export function createCredentialFallback(config: Config, send: Send, log: Logger, readers: SourceReaders): FallbackCredentialSource {
  const federation = config.federation;
  if (federation !== undefined) {
    const source = federation.tokenSource;
    const tokenSource =
      source.kind === 'file'
        ? idTokenFromFile(source.path)
        : idTokenFromSts({
            audience: source.audience,
            reader: () => readers.webIdentityTokenReader({ requestTimeoutMs: config.requestTimeoutMs }),
            log,
          });
    return createOidcFederationSource({
      idpId: federation.idpId,
      iamEndpoint: config.iamEndpoint,
      durationSeconds: federation.durationSeconds,
      tokenSource,
      send,
      requestTimeoutMs: config.requestTimeoutMs,
      log,
    });
  }
  const secret = config.credentialsSecret;
  if (secret === undefined) return createEcsMetadataSource({ url: config.ecsMetadataUrl, send });
  const reader = () => readers.secretReader({ region: secret.region, requestTimeoutMs: config.requestTimeoutMs });
  return createSecretsManagerSource({ secretId: secret.secretId, ttlMs: secret.ttlMs, reader, log });
}
