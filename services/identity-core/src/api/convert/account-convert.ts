import { create } from "@bufbuild/protobuf";
import {
  type Account as AccountMessage,
  AccountSchema as AccountMessageSchema,
} from "@cosafe/proto/identity";
import type { Account } from "../../storage/entities.js";
import { toTimestamp } from "./timestamps.js";

export function toAccountMessage(account: Account): AccountMessage {
  return create(AccountMessageSchema, {
    id: account.id,
    tenantId: account.tenantId,
    parentAccountId: account.parentAccountId ?? "",
    displayName: account.displayName,
    etag: String(account.version),
    createTime: toTimestamp(account.createdAt),
    updateTime: toTimestamp(account.updatedAt),
  });
}
