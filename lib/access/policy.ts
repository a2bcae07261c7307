/**
 * Which clusters and projects callers may ask about, so that the function cannot be used
 * as a confused deputy: its credentials may read more than its operator meant to expose.
 * Checked before any upstream call. Messages name the setting, never the allowed values.
 */
import type { AccessConfig } from '../config';
import { ClusterNotAllowed, ProjectNotAllowed } from '../errors';

export interface AccessRequest {
  readonly clusterId: string;
  /** A project the caller named; undefined means the configured one. */
  readonly projectId?: string | undefined;
}

export function checkAccess(request: AccessRequest, access: AccessConfig, configuredProjectId: string | undefined): void {
  const { projectId, clusterId } = request;
  if (projectId !== undefined && projectId !== configuredProjectId && !access.allowedProjectIds.includes(projectId)) {
    throw new ProjectNotAllowed(
      `This function does not answer for project ${JSON.stringify(projectId)}: only projects in its ALLOWED_PROJECT_IDS may be named. Ask its operator.`,
    );
  }
  if (access.allowedClusterIds !== undefined && !access.allowedClusterIds.some((pattern) => matches(pattern, clusterId))) {
    throw new ClusterNotAllowed(
      `This function does not answer for cluster ${JSON.stringify(clusterId)}: it is not in its ALLOWED_CLUSTER_IDS. Ask its operator.`,
    );
  }
}

/** An exact id, or `prefix*` for every id that starts with `prefix` (`*` alone: all). */
function matches(pattern: string, clusterId: string): boolean {
  return pattern.endsWith('*') ? clusterId.startsWith(pattern.slice(0, -1)) : pattern === clusterId;
}
