/**
 * Which credentials an invocation signs with: the runtime's first (a FunctionGraph
 * agency), then the ones configured in the environment. Never anything from the event.
 */
import { ConfigurationError } from '../errors';
import { registerSecret } from '../log';
import { fromFunctionGraphContext } from './functiongraph';
import type { CredentialProvider, Credentials } from './types';

export function credentialProviderFor(platformContext: unknown, environmentCredentials: Credentials | undefined): CredentialProvider {
  return () => {
    const credentials = fromFunctionGraphContext(platformContext) ?? environmentCredentials;
    if (credentials === undefined) {
      throw new ConfigurationError(
        'No credentials to call MRS with: give the function an agency with MRS read permission, ' +
          'or set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.',
      );
    }
    registerSecret(credentials.accessKey);
    registerSecret(credentials.secretKey);
    registerSecret(credentials.securityToken);
    return credentials;
  };
}
