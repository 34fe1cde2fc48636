import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Deliveries } from "../Deliveries.js"
import { WebhookEndpoints } from "../WebhookEndpoints.js"
import { WebhookStatsService } from "../WebhookStats.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const WebhooksLive = HttpApiBuilder.group(BillkitApi, "webhooks", (handlers) =>
  Effect.gen(function*() {
    const endpoints = yield* WebhookEndpoints
    const deliveries = yield* Deliveries
    const stats = yield* WebhookStatsService
    return handlers
      .handle("create", ({ payload }) => command("webhooks", "write", endpoints.create(payload)))
      .handle("list", ({ urlParams: { disabled, ...page } }) =>
        command("webhooks", "read", Effect.flatMap(toPageRequest(page), (p) =>
          Effect.map(endpoints.list(p, disabled === undefined ? {} : { disabled }), toList))))
      .handle("retrieve", ({ path }) => command("webhooks", "read", endpoints.get(path.id)))
      .handle("update", ({ path, payload }) => command("webhooks", "write", endpoints.update(path.id, payload)))
      .handle("delete", ({ path }) => command("webhooks", "write", endpoints.remove(path.id)))
      .handle("rotateSecret", ({ path }) => command("webhooks", "write", endpoints.rotateSecret(path.id)))
      .handle("test", ({ path }) => command("webhooks", "write", deliveries.sendTest(path.id)))
      .handle("listDeliveries", ({ path, urlParams: { status, ...page } }) =>
        command("webhooks", "read", Effect.flatMap(toPageRequest(page), (p) =>
          Effect.map(deliveries.list(path.id, p, status === undefined ? {} : { status }), toList))))
      .handle("retryDelivery", ({ path }) => command("webhooks", "write", deliveries.retry(path.id, path.delivery)))
      .handle("resendEvent", ({ path }) =>
        command("webhooks", "write", Effect.map(deliveries.resend(path.id), (data) => ({
          object: "list" as const, data, hasMore: false, nextCursor: null
        }))))
      .handle("stats", ({ urlParams }) => command("analytics", "read", stats.stats(urlParams)))
  }))
