/** Which cluster an MRS call is about, in which project: the two values that become its path. */
import { requireClusterId, requireProjectId } from '../ids';

export interface MrsTarget {
  readonly projectId: string;
  readonly clusterId: string;
}

/**
 * `/v2/{project_id}/clusters/{cluster_id}` + `suffix`. The ids are checked again here,
 * whatever the caller did: this is where they become a path.
 */
export function clusterPath({ projectId, clusterId }: MrsTarget, suffix: string): string {
  return `/v2/${encodeURIComponent(requireProjectId(projectId))}/clusters/${encodeURIComponent(requireClusterId(clusterId))}${suffix}`;
}
