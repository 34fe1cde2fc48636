import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Vouchers } from "../Vouchers.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const VouchersLive = HttpApiBuilder.group(BillkitApi, "vouchers", (handlers) =>
  Effect.gen(function*() {
    const vouchers = yield* Vouchers
    return handlers
      .handle("create", ({ payload }) => command("vouchers", "write", vouchers.create(payload)))
      .handle("list", ({ urlParams: { code, status, ...page } }) =>
        command("vouchers", "read", Effect.flatMap(toPageRequest(page), (p) => Effect.map(vouchers.list(p, { code, status }), toList))))
      .handle("retrieve", ({ path }) => command("vouchers", "read", vouchers.get(path.id)))
      .handle("update", ({ path, payload }) => command("vouchers", "write", vouchers.update(path.id, payload)))
      .handle("redeem", ({ path, payload }) => command("vouchers", "write", vouchers.redeem(path.id, payload)))
      .handle("listRedemptions", ({ path, urlParams }) =>
        command("vouchers", "read", Effect.flatMap(toPageRequest(urlParams), (p) => Effect.map(vouchers.listRedemptions(path.id, p), toList))))
  }))
