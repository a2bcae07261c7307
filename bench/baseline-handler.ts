/**
 * The naive way to answer `{"cluster_id": "..."}`, for `npm run bench` to compare the status
 * function with: the SDK's full client, called the way a generated MRS client's
 * `listSyncStatus` calls it. A working handler (the same configuration variables as the real
 * function), never deployed; bench/run.mjs bundles it with the functions' esbuild settings.
 */
import { BasicCredentials } from '@huaweicloud/huaweicloud-sdk-core';
import { ClientBuilder } from '@huaweicloud/huaweicloud-sdk-core/ClientBuilder';
import type { HcClient } from '@huaweicloud/huaweicloud-sdk-core/HcClient';
import type { SdkResponse } from '@huaweicloud/huaweicloud-sdk-core/SdkResponse';

interface ListClusterSyncTaskStatusResponse extends SdkResponse {
  is_synchronizing?: boolean;
}

/** From the API reference; HcClient puts path parameters into the URL without encoding them. */
const CLUSTER_ID = /^[A-Za-z0-9_-]{1,64}$/;

// Built once per cold start, as users of a generated client do; a missing variable fails the import.
const client = new ClientBuilder<HcClient>((hcClient) => hcClient)
  .withCredential(
    new BasicCredentials()
      .withAk(required('HUAWEICLOUD_SDK_AK'))
      .withSk(required('HUAWEICLOUD_SDK_SK'))
      .withSecurityToken(process.env.HUAWEICLOUD_SDK_SECURITY_TOKEN)
      .withProjectId(required('MRS_PROJECT_ID')),
  )
  .withEndpoint(required('MRS_ENDPOINT'))
  .build();

export async function handler(event: { cluster_id?: unknown }) {
  const clusterId = event.cluster_id;
  if (typeof clusterId !== 'string' || !CLUSTER_ID.test(clusterId)) {
    throw new Error('The event needs a cluster_id of 1-64 letters, digits, _ or -.');
  }
  const response = await client.sendRequest<ListClusterSyncTaskStatusResponse>({
    method: 'GET',
    url: '/v2/{project_id}/clusters/{cluster_id}/iam-sync',
    contentType: 'application/json',
    queryParams: {},
    pathParams: { cluster_id: clusterId },
    headers: {},
  });
  return { cluster_id: clusterId, is_synchronizing: response.is_synchronizing === true, checked_at: new Date().toISOString() };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`Set ${name}.`);
  return value;
}
