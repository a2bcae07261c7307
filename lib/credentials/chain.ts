/**
 * Which credentials an invocation signs with, first that yields: the FunctionGraph agency
 * (from the invocation's context), the HUAWEICLOUD_SDK_* environment variables, then an
 * ECS/CCE agency through the metadata service when one is configured. Never anything from
 * the event.
 */
import { ConfigurationError } from '../errors';
import { registerSecret } from '../log';
import { fromFunctionGraphContext } from './functiongraph';
import type { CredentialProvider, Credentials } from './types';

/** A source that is asked only when the ones before it gave nothing (the ECS metadata service). */
export interface FallbackCredentialSource {
  get(): Promise<Credentials>;
  renew(): Promise<Credentials>;
}

export function credentialProviderFor(
  platformContext: unknown,
  environmentCredentials: Credentials | undefined,
  fallback?: FallbackCredentialSource,
): CredentialProvider {
  let used: Credentials | undefined;
  const remember = (credentials: Credentials) => {
    registerSecret(credentials.accessKey);
    registerSecret(credentials.secretKey);
    registerSecret(credentials.securityToken);
    used = credentials;
    return credentials;
  };
  const fromInvocation = () => fromFunctionGraphContext(platformContext) ?? environmentCredentials;
  return {
    async get() {
      const credentials = fromInvocation() ?? (await fallback?.get());
      if (credentials === undefined) {
        throw new ConfigurationError(
          'No credentials to call MRS with: give the function an agency with MRS read permission, ' +
            'or set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.',
        );
      }
      return remember(credentials);
    },
    async renew() {
      // The runtime rotates an agency's keys: a second read of the context may give newer ones.
      const again = fromInvocation();
      if (again !== undefined) return again.accessKey === used?.accessKey && again.securityToken === used?.securityToken ? undefined : remember(again);
      return fallback === undefined ? undefined : remember(await fallback.renew());
    },
  };
}
