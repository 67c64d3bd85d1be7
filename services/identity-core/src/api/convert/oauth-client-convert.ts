import { create } from "@bufbuild/protobuf";
import {
  type OAuthClient as OAuthClientMessage,
  OAuthClientSchema as OAuthClientMessageSchema,
} from "@cosafe/proto/identity";
import type { OAuthClient } from "../../storage/entities.js";
import { toTimestamp } from "./timestamps.js";

/** Client metadata only: the hash never leaves the service. */
export function toOAuthClientMessage(client: OAuthClient): OAuthClientMessage {
  return create(OAuthClientMessageSchema, {
    id: client.id,
    tenantId: client.tenantId,
    name: client.name,
    hint: client.hint,
    createTime: toTimestamp(client.createdAt),
    revokeTime: toTimestamp(client.revokedAt),
  });
}
