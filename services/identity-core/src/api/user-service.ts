import type { ServiceImpl } from "@connectrpc/connect";
import type { UserService } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import { nextPageToken, pageRequest } from "../domain/page.js";
import type { CreateUser } from "../domain/user/create-user.js";
import type { UserQueries } from "../domain/user/user-queries.js";
import { toUserInput, toUserMessage } from "./convert/user-convert.js";
import { required } from "./required.js";

/** cosafe.identity.v1.UserService: unpack, call the domain, convert back. */
export function userService(deps: {
  createUser: CreateUser;
  users: UserQueries;
}): Partial<ServiceImpl<typeof UserService>> {
  return {
    async createUser(req, ctx) {
      const { user, notices } = await deps.createUser.run(
        callContextOf(ctx),
        req.tenantId,
        toUserInput(required(req.user, "user")),
      );
      return { user: toUserMessage(user), notices };
    },
    async getUser(req, ctx) {
      return { user: toUserMessage(await deps.users.get(callContextOf(ctx), req.tenantId, req.userId)) };
    },
    async listUsers(req, ctx) {
      const page = pageRequest(req, { max: 1000 });
      const { users, total } = await deps.users.list(callContextOf(ctx), req.tenantId, {
        filter: req.filter,
        orderBy: req.orderBy,
        page,
      });
      return {
        users: users.map(toUserMessage),
        totalSize: total,
        nextPageToken: nextPageToken(page, users.length, total),
      };
    },
  };
}
