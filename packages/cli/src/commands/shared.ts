import type { JsonValue } from "@bufbuild/protobuf";
import { type DescMessage, type MessageShape, toJson } from "@bufbuild/protobuf";
import { type Timestamp, timestampDate } from "@bufbuild/protobuf/wkt";
import type { Tenant } from "@cosafe/proto/identity";
import type { OptionSpec } from "../args.js";
import type { CommandContext } from "../command.js";
import { CommandFailure } from "../errors.js";

/** A message in the proto3 JSON mapping (camelCase, RFC 3339 times, enum names), zero values included. */
export function messageJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}

export function dateOf(timestamp: Timestamp | undefined): Date | undefined {
  return timestamp ? timestampDate(timestamp) : undefined;
}

/** Reads a tenant; a NOT_FOUND from identity-core ends the command with that message. */
export async function getTenant(ctx: CommandContext, tenantId: string): Promise<Tenant> {
  const { tenant } = await ctx.clients.tenants.getTenant({ tenantId }, ctx.call);
  if (!tenant) throw new CommandFailure(`identity-core returned no tenant for ${tenantId}`);
  return tenant;
}

export const pageSizeOption: OptionSpec = {
  name: "page-size",
  type: "string",
  value: "N",
  description: "items per request while paging (default 200)",
};

export const limitOption = (what: string, defaultLimit: number): OptionSpec => ({
  name: "limit",
  type: "string",
  value: "N",
  description: `show at most N ${what}, the newest (default ${defaultLimit})`,
});

export const tenantArg = { name: "tenant", description: "tenant id" };
