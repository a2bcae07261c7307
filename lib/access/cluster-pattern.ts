/**
 * The grammar of ALLOWED_CLUSTER_IDS entries, and what they match: an exact cluster id,
 * `prefix*` for every id that starts with `prefix`, or `*` alone for all.
 */
const CLUSTER_PATTERN = /^[A-Za-z0-9_-]{1,64}\*?$|^\*$/;

export function isClusterPattern(pattern: string): boolean {
  return CLUSTER_PATTERN.test(pattern);
}

export function matchesClusterPattern(pattern: string, clusterId: string): boolean {
  return pattern.endsWith('*') ? clusterId.startsWith(pattern.slice(0, -1)) : pattern === clusterId;
}
