/**
 * An ECS/CCE node's metadata service as the emulator plays it: `GET /openstack/latest/securitykey`
 * hands out an agency's temporary credentials. Like the real one it takes no signature, so
 * the server serves it before authentication, unrecorded and without injected faults.
 */
import type { ApiRoute } from './routes';

/** The metadata service's security-key path. */
export const METADATA_PATH = '/openstack/latest/securitykey';

export interface MetadataOptions {
  /** One per request, the last one repeating: a script of rotations. */
  credentials: Array<{ accessKey: string; secretKey: string; securityToken: string }>;
  /** How far in the future each answer's `expires_at` lies; default 3600. */
  lifetimeSeconds?: number;
}

/** `now`: epoch milliseconds, the emulator's clock, which `expires_at` counts from. */
export function metadataRoutes(metadata: MetadataOptions, now: () => number): ApiRoute[] {
  let served = 0;
  return [
    {
      path: METADATA_PATH,
      methods: {
        GET: () => {
          const script = metadata.credentials;
          const credential = script[Math.min(served, script.length - 1)];
          served += 1;
          if (credential === undefined) return { status: 404, body: { error: 'no metadata credentials configured' } };
          return {
            status: 200,
            body: {
              credential: {
                access: credential.accessKey,
                secret: credential.secretKey,
                securitytoken: credential.securityToken,
                expires_at: new Date(now() + (metadata.lifetimeSeconds ?? 3600) * 1000).toISOString(),
              },
            },
          };
        },
      },
    },
  ];
}
