import { ActorType, Role } from "@cosafe/proto/identity";

/**
 * Header names of the internal call contract (docs/adr/0006-service-auth-and-actor-metadata.md).
 * The caller authenticates as a service; the person or token it acts for travels beside it.
 */
export const headers = {
  /** `Bearer <service secret>`: the calling service's credential. */
  authorization: "authorization",
  /** Name of the calling service, e.g. `scim-facade`. */
  service: "x-cosafe-service",
  actorType: "x-cosafe-actor-type",
  actorId: "x-cosafe-actor-id",
  actorRole: "x-cosafe-actor-role",
  actorTenant: "x-cosafe-actor-tenant",
  requestId: "x-request-id",
} as const;

/** The acting person, token or service of one call. */
export interface CallActor {
  type: ActorType;
  id: string;
  role: Role;
  /** Tenant the actor belongs to; undefined for support and system actors. */
  tenantId?: string | undefined;
}

/** What a server knows about a call once its credentials were checked. */
export interface CallContext {
  service: string;
  actor: CallActor;
  requestId: string;
}

const actorTypes: Record<string, ActorType> = {
  scim_token: ActorType.SCIM_TOKEN,
  person: ActorType.PERSON,
  service: ActorType.SERVICE,
  system: ActorType.SYSTEM,
};

const roles: Record<string, Role> = {
  scim: Role.SCIM,
  admin: Role.ADMIN,
  support: Role.SUPPORT,
  system: Role.SYSTEM,
};

function nameOf<T>(table: Record<string, T>, value: T): string {
  const entry = Object.entries(table).find(([, v]) => v === value);
  if (!entry) throw new Error(`no wire name for ${String(value)}`);
  return entry[0];
}

/** Headers that carry an actor on an outgoing call, and the request id when given. */
export function actorHeaders(actor: CallActor, requestId?: string): Record<string, string> {
  const result: Record<string, string> = {
    [headers.actorType]: nameOf(actorTypes, actor.type),
    [headers.actorId]: actor.id,
    [headers.actorRole]: nameOf(roles, actor.role),
  };
  if (actor.tenantId) result[headers.actorTenant] = actor.tenantId;
  if (requestId) result[headers.requestId] = requestId;
  return result;
}

/** Reads the actor of an incoming call; undefined when absent or malformed. */
export function parseActor(get: (name: string) => string | null): CallActor | undefined {
  const type = actorTypes[get(headers.actorType) ?? ""];
  const role = roles[get(headers.actorRole) ?? ""];
  const id = get(headers.actorId);
  if (type === undefined || role === undefined || !id) return undefined;
  const tenantId = get(headers.actorTenant) ?? undefined;
  if ((role === Role.SCIM || role === Role.ADMIN) && !tenantId) return undefined;
  return { type, id, role, tenantId };
}

/** The actor a service uses when it acts on its own behalf. */
export function systemActor(service: string): CallActor {
  return { type: ActorType.SYSTEM, id: service, role: Role.SYSTEM };
}
