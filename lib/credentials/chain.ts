/**
 * Which credentials an invocation signs with, first that yields:
 * 1. the FunctionGraph agency (from the invocation's context);
 * 2. the HUAWEICLOUD_SDK_AK/SK (and SECURITY_TOKEN) environment variables;
 * 3. the fallback source, one per deployment (lib/composition/parts.ts): the AWS Secrets
 *    Manager secret named by HUAWEICLOUD_CREDENTIALS_SECRET_ID when it is set (Lambda), or
 *    temporary keys from Huawei IAM OIDC federation when HUAWEICLOUD_IDP_ID is set (./oidc.ts:
 *    an ID token from a file or from AWS STS), else
 *    4. an ECS/CCE agency through the metadata service.
 * With a secret or federation configured the metadata service is never asked: a source that
 * fails is reported, not hidden behind another source. Never anything from the event.
 */
import { ConfigurationError } from '../errors';
import { registerSecret } from '../log';
import { fromFunctionGraphContext } from './functiongraph';
import type { CredentialProvider, Credentials } from './types';

/** A source that is asked only when the ones before it gave nothing (a Secrets Manager secret, or the ECS metadata service). */
export interface FallbackCredentialSource {
  get(): Promise<Credentials>;
  /**
   * Fresh credentials after MRS refused `refused` (the ones this invocation signed with);
   * undefined when the source has nothing newer (then the refusal stands).
   */
  renew(refused?: Credentials): Promise<Credentials | undefined>;
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
      if (again !== undefined)
        return again.accessKey === used?.accessKey && again.securityToken === used?.securityToken ? undefined : remember(again);
      const newer = await fallback?.renew(used);
      return newer === undefined ? undefined : remember(newer);
    },
  };
}
