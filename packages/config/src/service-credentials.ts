import type { Setting } from "./read-config.js";

/** The actor roles a calling service may claim (x-cosafe-actor-role, docs/adr/0006). */
export const actorRoleNames = ["SCIM", "ADMIN", "SUPPORT", "SYSTEM"] as const;
export type ActorRoleName = (typeof actorRoleNames)[number];

/** One calling service as a server knows it: its accepted secrets and the roles it may claim. */
export interface ServiceCredentialEntry {
  /** One secret, or two while the secret is being rotated (old and new). */
  secrets: readonly string[];
  roles: ReadonlySet<ActorRoleName>;
}

export type ServiceCredentials = ReadonlyMap<string, ServiceCredentialEntry>;

/**
 * Roles of the well-known Cosafe callers when COSAFE_SERVICE_ROLES does not name them.
 * The facade verifies SCIM tokens and writes the provisioning log as SYSTEM, and acts for
 * SCIM tokens as SCIM; identity-core meters seats at licensing as SYSTEM.
 */
export const defaultServiceRoles: Readonly<Record<string, readonly ActorRoleName[]>> = {
  "scim-facade": ["SCIM", "SYSTEM"],
  "admin-panel": ["ADMIN", "SUPPORT"],
  "support-cli": ["SUPPORT"],
  "identity-core": ["SYSTEM"],
};

/** At most this many secrets per name: the old and the new one during a rotation. */
const maxSecretsPerName = 2;

function parseRoles(
  name: string,
  text: string | undefined,
): { value: Map<string, Set<ActorRoleName>> } | { problem: string } {
  const result = new Map<string, Set<ActorRoleName>>();
  if (!text?.trim()) return { value: result };
  for (const entry of text.split(";")) {
    if (!entry.trim()) continue;
    const [service, list, ...rest] = entry.trim().split(":");
    if (!service || !list || rest.length > 0) {
      return { problem: `${name} must hold service:ROLE,ROLE entries separated by ";"` };
    }
    const roles = new Set<ActorRoleName>();
    for (const raw of list.split(",")) {
      const role = raw.trim().toUpperCase();
      if (!(actorRoleNames as readonly string[]).includes(role)) {
        return {
          problem: `${name}: unknown role "${raw.trim()}" for "${service}" (${actorRoleNames.join(", ")})`,
        };
      }
      roles.add(role as ActorRoleName);
    }
    result.set(service.trim(), roles);
  }
  return { value: result };
}

/**
 * Service credentials accepted by a gRPC server, and the actor roles each may claim.
 *
 * - `COSAFE_SERVICE_CREDENTIALS=scim-facade:4f1…,admin-panel:9a2…`: `name:secret` pairs
 *   separated by commas. A name may appear twice while its secret is rotated; both are
 *   accepted.
 * - `COSAFE_SERVICE_ROLES=scim-facade:SCIM,SYSTEM;admin-panel:ADMIN,SUPPORT` (optional):
 *   the roles per name, overriding `defaultServiceRoles`. A credential whose name has no
 *   roles here nor there is a configuration error.
 */
export function serviceCredentialsSetting(
  name: string,
  rolesName = "COSAFE_SERVICE_ROLES",
): Setting<ServiceCredentials> {
  return {
    read(env) {
      const text = env[name]?.trim();
      if (!text) return { problem: `${name} is required (comma-separated service:secret pairs)` };
      const roles = parseRoles(rolesName, env[rolesName]);
      if ("problem" in roles) return roles;
      const secrets = new Map<string, string[]>();
      for (const pair of text.split(",")) {
        const [service, secret, ...rest] = pair.trim().split(":");
        if (!service || !secret || rest.length > 0) {
          return { problem: `${name} must hold service:secret pairs; one entry is malformed` };
        }
        if (secret.length < 16)
          return { problem: `${name}: the secret of "${service}" is shorter than 16 characters` };
        const list = secrets.get(service) ?? [];
        list.push(secret);
        if (list.length > maxSecretsPerName) {
          return {
            problem: `${name}: "${service}" has more than ${maxSecretsPerName} secrets (old and new)`,
          };
        }
        secrets.set(service, list);
      }
      const credentials = new Map<string, ServiceCredentialEntry>();
      for (const [service, list] of secrets) {
        const allowed = roles.value.get(service) ?? new Set(defaultServiceRoles[service] ?? []);
        if (allowed.size === 0) {
          return {
            problem: `${rolesName} names no roles for "${service}" (e.g. ${rolesName}=${service}:SUPPORT)`,
          };
        }
        credentials.set(service, { secrets: list, roles: allowed });
      }
      return { value: credentials };
    },
  };
}
