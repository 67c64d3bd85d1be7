import { create } from "@bufbuild/protobuf";
import {
  type ScimToken as ScimTokenMessage,
  ScimTokenSchema as ScimTokenMessageSchema,
} from "@cosafe/proto/identity";
import type { ScimToken } from "../../storage/entities.js";
import { toTimestamp } from "./timestamps.js";

/** Token metadata only: the hash never leaves the service. */
export function toScimTokenMessage(token: ScimToken): ScimTokenMessage {
  return create(ScimTokenMessageSchema, {
    id: token.id,
    tenantId: token.tenantId,
    name: token.name,
    hint: token.hint,
    createTime: toTimestamp(token.createdAt),
    expireTime: toTimestamp(token.expiresAt),
    lastUseTime: toTimestamp(token.lastUsedAt),
    revokeTime: toTimestamp(token.revokedAt),
  });
}
