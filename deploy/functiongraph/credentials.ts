/**
 * The deploy tool's credentials, found as the functions find theirs: HUAWEICLOUD_SDK_AK and
 * HUAWEICLOUD_SDK_SK (with HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), else the
 * agency of the ECS node it runs on, through the metadata service (ECS_METADATA_URL
 * overrides the address; only the link-local address or a loopback host).
 */
import { createEcsMetadataSource } from '../../lib/credentials/ecs-metadata';
import type { Credentials } from '../../lib/credentials/types';
import { send as defaultSend, type Send } from '../../lib/huawei/transport';

export const DEFAULT_METADATA_URL = 'http://169.254.169.254/openstack/latest/securitykey';
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

export async function resolveCredentials(
  env: Readonly<Record<string, string | undefined>>,
  send: Send = defaultSend,
): Promise<Credentials> {
  const ak = env.HUAWEICLOUD_SDK_AK?.trim() || undefined;
  const sk = env.HUAWEICLOUD_SDK_SK?.trim() || undefined;
  const token = env.HUAWEICLOUD_SDK_SECURITY_TOKEN?.trim() || undefined;
  if (ak !== undefined && sk !== undefined) return { accessKey: ak, secretKey: sk, ...(token !== undefined && { securityToken: token }) };
  if (ak !== undefined || sk !== undefined) {
    throw new CredentialsError(
      `HUAWEICLOUD_SDK_${ak === undefined ? 'AK' : 'SK'} is not set, but HUAWEICLOUD_SDK_${ak === undefined ? 'SK' : 'AK'} is: set both, or neither to use the ECS node's agency.`,
    );
  }

  const raw = env.ECS_METADATA_URL?.trim() || DEFAULT_METADATA_URL;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new CredentialsError(`ECS_METADATA_URL ${JSON.stringify(raw)} is not a URL.`);
  }
  if (url.protocol !== 'http:' || (url.hostname !== '169.254.169.254' && !LOOPBACK.test(url.hostname))) {
    throw new CredentialsError('ECS_METADATA_URL must be an http URL on 169.254.169.254 or a loopback host.');
  }
  try {
    return await createEcsMetadataSource({ url: url.href, send }).get();
  } catch (error) {
    throw new CredentialsError(
      `No credentials: HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK are not set, and the ECS metadata service at ${url.origin} gave none. ` +
        'Set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (and HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary keys), or run on an ECS node whose agency may manage FunctionGraph. ' +
        `(What the metadata look-up said: ${(error as Error).message})`,
    );
  }
}
