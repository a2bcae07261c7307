/**
 * Credentials of an ECS/CCE node's agency, from the metadata service
 * (`GET http://169.254.169.254/openstack/latest/securitykey` ->
 * `{"credential": {"access", "secret", "securitytoken", "expires_at"}}`). They are temporary:
 * kept for the life of the instance and refreshed five minutes before they expire;
 * concurrent refreshes share one request; a failed refresh keeps the old credentials until
 * they really expire.
 *
 * A metadata service that is briefly unreachable or failing is an upstream outage like any
 * other (UpstreamUnavailable: retried, covered by a stale answer); only one that answers that
 * the node has no agency (a 4xx, or no usable credential) is a configuration error.
 */
import { ConfigurationError, UpstreamUnavailable } from '../errors';
import type { Send } from '../huawei/transport';
import type { FallbackCredentialSource } from './chain';
import { createCredentialHolder, type HeldCredentials } from './held';
import { parseTemporaryCredential } from './iam-credential';

export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60_000;
const METADATA_TIMEOUT_MS = 1000;

interface Held extends HeldCredentials {
  readonly expiresAt: number;
}

export interface EcsMetadataOptions {
  readonly url: string;
  readonly send: Send;
  readonly now?: () => number;
}

export function createEcsMetadataSource({ url, send, now = Date.now }: EcsMetadataOptions): FallbackCredentialSource {
  const holder = createCredentialHolder<Held>({
    async fetch() {
      let response: Awaited<ReturnType<Send>>;
      try {
        response = await send({ method: 'GET', url: new URL(url), headers: { Accept: 'application/json' } }, METADATA_TIMEOUT_MS);
      } catch (error) {
        throw unavailable(`did not answer (${(error as Error).message})`);
      }
      // A 4xx is the service's word that this node has nothing to give; a 5xx or 429 may pass.
      if (response.status >= 400 && response.status < 500 && response.status !== 429) throw noAgency(`answered HTTP ${response.status}`);
      if (response.status !== 200) throw unavailable(`answered HTTP ${response.status}`);
      const parsed = parseTemporaryCredential(response.body);
      if (parsed === undefined) throw noAgency('answered without a usable credential');
      return parsed;
    },
    refreshAt: (held) => held.expiresAt - REFRESH_BEFORE_EXPIRY_MS,
    usableUntil: (held) => held.expiresAt,
    now,
  });

  return {
    get: holder.get,
    async renew() {
      return (await holder.refresh('renew')).credentials;
    },
  };
}

function unavailable(what: string): UpstreamUnavailable {
  return new UpstreamUnavailable(
    `The ECS metadata service, asked for the node agency's credentials, ${what}. Retry shortly; if it persists, check the node's metadata service.`,
  );
}

function noAgency(what: string): ConfigurationError {
  return new ConfigurationError(
    `No credentials to call MRS with: the runtime gave none, HUAWEICLOUD_SDK_AK/SK are not set, and the ECS metadata service ${what}. ` +
      'Give the function (or its node) an agency, or set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.',
  );
}
