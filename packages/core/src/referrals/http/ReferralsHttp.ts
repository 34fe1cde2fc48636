import { HttpApiBuilder } from "@effect/platform"
import { Effect } from "effect"
import { Referrals } from "../Referrals.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { toList, toPageRequest } from "../../http/Lists.js"

export const ReferralsLive = HttpApiBuilder.group(BillkitApi, "referrals", (handlers) =>
  Effect.gen(function*() {
    const referrals = yield* Referrals
    return handlers
      .handle("createCode", ({ payload }) => command("referrals", "write", referrals.createCode(payload)))
      .handle("listCodes", ({ urlParams: { customer, ...page } }) =>
        command("referrals", "read", Effect.flatMap(toPageRequest(page), (p) => Effect.map(referrals.listCodes(p, { customer }), toList))))
      .handle("apply", ({ path, payload }) => command("referrals", "write", referrals.apply(path.code, payload)))
      .handle("getConfig", () => command("referrals", "read", referrals.getConfig()))
      .handle("putConfig", ({ payload }) => command("referrals", "write", referrals.putConfig(payload)))
  }))
