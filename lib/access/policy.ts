/**
 * Which clusters and projects callers may ask about, so that the function cannot be used
 * as a confused deputy: its credentials may read more than its operator meant to expose.
 * Checked before any MRS call. Messages name the setting, never the allowed values.
 */
import type { AccessConfig } from '../config';
import { ClusterNotAllowed, ProjectNotAllowed } from '../errors';
import { matchesClusterPattern } from './cluster-pattern';

export interface AccessRequest {
  readonly clusterId: string;
  /** A project the caller named; undefined means the function's own. */
  readonly projectId?: string | undefined;
}

/**
 * Throws when the request is not allowed. `ownProjectId` gives the project the function
 * answers for (configured, or looked up in IAM): naming it is always allowed. It is asked
 * only when the caller named a project that no list allows.
 */
export async function checkAccess(request: AccessRequest, access: AccessConfig, ownProjectId: () => Promise<string>): Promise<void> {
  const { projectId, clusterId } = request;
  if (projectId !== undefined && !access.allowedProjectIds.includes(projectId) && projectId !== (await ownProjectId())) {
    throw new ProjectNotAllowed(
      `This function does not answer for project ${JSON.stringify(projectId)}: only its own project and those in its ALLOWED_PROJECT_IDS may be named. Ask its operator.`,
    );
  }
  if (access.allowedClusterIds !== undefined && !access.allowedClusterIds.some((pattern) => matchesClusterPattern(pattern, clusterId))) {
    throw new ClusterNotAllowed(
      `This function does not answer for cluster ${JSON.stringify(clusterId)}: it is not in its ALLOWED_CLUSTER_IDS. Ask its operator.`,
    );
  }
}
