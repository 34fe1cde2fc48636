import { HttpApiBuilder, HttpServerRequest } from "@effect/platform"
import { Effect } from "effect"
import { Portal } from "../Portal.js"
import { BillkitApi } from "../../http/Api.js"
import { command } from "../../http/Command.js"
import { requestOrigin } from "../../http/Page.js"
import { PagesConfig, pageUrl } from "../../kernel/PageTokens.js"

export const PortalLive = HttpApiBuilder.group(BillkitApi, "portal", (handlers) =>
  Effect.gen(function*() {
    const portal = yield* Portal
    return handlers.handle("create", ({ path, payload }) =>
      command("customers", "write", Effect.gen(function*() {
        const { session, token } = yield* portal.create(path.id, payload)
        const origin = requestOrigin(yield* HttpServerRequest.HttpServerRequest)
        const { tokenHash: _, csrfToken: __, ...shown } = session
        return { ...shown, token, url: pageUrl(yield* PagesConfig, origin, `/portal/${token}`) }
      })))
  }))
