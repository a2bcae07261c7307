/**
 * Default endpoints by region, for the whole Huawei family of clouds. Huawei Cloud:
 * `https://mrs.{region}.myhuaweicloud.com`, with a few regions on other domains (the SDK's
 * `services/mrs/v2/MrsRegion.ts`), and one global IAM endpoint. Open Telekom Cloud (run by
 * T-Systems on Huawei's stack): `https://{service}.{region}.otc.t-systems.com` for both.
 * MRS_ENDPOINT and IAM_ENDPOINT always win over these.
 */

/** A region id of the family: `cn-north-4`, `ap-southeast-1`, `eu-west-101`, `eu-de`, `eu-nl`, `eu-ch2`, `la-north-2`, `tr-west-1`. */
export const REGION_ID = /^[a-z]{2}(-[a-z]+[0-9]*)+$|^[a-z]{2}(-[a-z]+)+-[0-9]+$/;

const OPEN_TELEKOM_CLOUD_REGIONS = new Set(['eu-de', 'eu-nl', 'eu-ch2']);

const MRS_DOMAIN_BY_REGION: Readonly<Record<string, string>> = {
  'ap-southeast-1': 'myhuaweicloud.cn',
  'ap-southeast-4': 'myhuaweicloud.cn',
  'ru-northwest-2': 'myhuaweicloud.cn',
  'eu-west-101': 'myhuaweicloud.eu',
};

export function isOpenTelekomCloudRegion(region: string): boolean {
  return OPEN_TELEKOM_CLOUD_REGIONS.has(region);
}

export function mrsEndpointForRegion(region: string): string {
  if (isOpenTelekomCloudRegion(region)) return `https://mrs.${region}.otc.t-systems.com`;
  return `https://mrs.${region}.${MRS_DOMAIN_BY_REGION[region] ?? 'myhuaweicloud.com'}`;
}

/** IAM is global on Huawei Cloud, regional on Open Telekom Cloud. */
export function iamEndpointForRegion(region: string | undefined): string {
  if (region !== undefined && isOpenTelekomCloudRegion(region)) return `https://iam.${region}.otc.t-systems.com`;
  return 'https://iam.myhuaweicloud.com';
}
