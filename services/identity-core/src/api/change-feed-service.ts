import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { ChangeEventSchema, type ChangeFeedService, ChangeType } from "@cosafe/proto/identity";
import { callContextOf } from "@cosafe/rpc";
import type { ChangeFeed } from "../domain/changes/change-feed.js";
import type { ChangeFeedObserver } from "../metrics/core-metrics.js";
import { toTimestamp } from "./convert/timestamps.js";

/** cosafe.identity.v1.ChangeFeedService: a server stream that follows the outbox (R22b). */
export function changeFeedService(deps: {
  feed: ChangeFeed;
  feedObserver?: ChangeFeedObserver;
}): ServiceImpl<typeof ChangeFeedService> {
  return {
    async *streamChanges(req, ctx) {
      const observer = deps.feedObserver;
      observer?.opened();
      try {
        yield* events();
      } finally {
        observer?.closed();
      }
      async function* events() {
        for await (const event of deps.feed.stream(
          callContextOf(ctx),
          req.tenantId,
          req.resumeToken,
          ctx.signal,
        )) {
          observer?.delivered(event.createdAt);
          yield {
            event: create(ChangeEventSchema, {
              id: BigInt(event.id),
              tenantId: event.tenantId,
              type: ChangeType[event.type as keyof typeof ChangeType] ?? ChangeType.UNSPECIFIED,
              userId: event.userId ?? "",
              groupId: event.groupId ?? "",
              time: toTimestamp(event.createdAt),
              resumeToken: event.resumeToken,
            }),
          };
        }
      }
    },
  };
}
