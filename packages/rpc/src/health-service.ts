import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
} from "@cosafe/proto/health";

/**
 * Serving status per service name ("" is the whole server), for the standard
 * grpc.health.v1.Health protocol (Check, List and the streaming Watch).
 */
export class HealthState {
  private readonly statuses = new Map<string, Status>();
  private readonly watchers = new Set<() => void>();

  constructor(serviceNames: string[]) {
    for (const name of ["", ...serviceNames]) this.statuses.set(name, Status.NOT_SERVING);
  }

  set(status: Status, name?: string): void {
    const names = name === undefined ? [...this.statuses.keys()] : [name];
    for (const n of names) this.statuses.set(n, status);
    for (const notify of this.watchers) notify();
  }

  get(name: string): Status | undefined {
    return this.statuses.get(name);
  }

  names(): string[] {
    return [...this.statuses.keys()];
  }

  onChange(listener: () => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }
}

export function healthService(state: HealthState): ServiceImpl<typeof Health> {
  return {
    check(req) {
      const status = state.get(req.service);
      if (status === undefined) throw new ConnectError(`unknown service "${req.service}"`, Code.NotFound);
      return { status };
    },
    list() {
      const statuses = Object.fromEntries(
        state.names().map((name) => [name, create(HealthCheckResponseSchema, { status: state.get(name) })]),
      );
      return { statuses };
    },
    async *watch(req, ctx) {
      let wake: () => void = () => {};
      const unsubscribe = state.onChange(() => wake());
      ctx.signal.addEventListener("abort", () => wake());
      try {
        let last: Status | undefined;
        while (!ctx.signal.aborted) {
          const status = state.get(req.service) ?? Status.SERVICE_UNKNOWN;
          if (status !== last) {
            last = status;
            yield { status };
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      } finally {
        unsubscribe();
      }
    },
  };
}

export { Health, Status as ServingStatus };
