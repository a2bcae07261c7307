/**
 * MRS endpoints by region, as the SDK's `services/mrs/v2/MrsRegion.ts` lists them:
 * `https://mrs.{region}.myhuaweicloud.com`, with a few regions on other domains.
 */
const DOMAIN_BY_REGION: Readonly<Record<string, string>> = {
  'ap-southeast-1': 'myhuaweicloud.cn',
  'ap-southeast-4': 'myhuaweicloud.cn',
  'ru-northwest-2': 'myhuaweicloud.cn',
  'eu-west-101': 'myhuaweicloud.eu',
};

export function mrsEndpointForRegion(region: string): string {
  return `https://mrs.${region}.${DOMAIN_BY_REGION[region] ?? 'myhuaweicloud.com'}`;
}
