/**
 * Projects: the tenants. `bootstrap` gives an empty installation its first project and secret
 * test key, or provisions a key the operator chose.
 */
import { Effect, Option } from "effect"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Storage } from "../kernel/Storage.js"
import * as Collections from "../kernel/Collections.js"
import { ApiKeys, keyPattern } from "./ApiKeys.js"
import { sha256Hex } from "../kernel/Hash.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { nowIso } from "../kernel/Time.js"
import { Conflict, Invalid } from "../kernel/Errors.js"
import { traced } from "../kernel/Traced.js"

export interface BootstrapResult {
  readonly projectId: string
  readonly apiKey?: string
  readonly created: boolean
}

export class Projects extends Effect.Service<Projects>()("@billkit/core/Projects", {
  effect: Effect.gen(function*() {
    const storage = yield* Storage
    const ids = yield* IdGenerator
    const apiKeys = yield* ApiKeys

    const create = traced("Projects.create")(function*(name: string) {
      const project = { id: yield* ids.next("project"), name, createdAt: yield* nowIso, settings: {} }
      yield* storage.projects.insert(project)
      return project
    })

    const bootstrap = traced("Projects.bootstrap")(function*(options: { readonly projectName?: string; readonly apiKey?: string }) {
      const { apiKey } = options
      if (apiKey !== undefined && !(keyPattern.test(apiKey) && apiKey.startsWith("sk_"))) {
        return yield* Effect.fail(new Invalid({ field: "apiKey", message: "must look like sk_test_… or sk_live_… (at least 16 letters or digits after the prefix)" }))
      }
      return yield* storage.withTransaction(
        Effect.gen(function*() {
          if (apiKey !== undefined) {
            const existing = yield* apiKeys.resolve(apiKey)
            if (Option.isSome(existing)) return { projectId: existing.value.tenant.projectId, created: false } satisfies BootstrapResult
            // Not active, yet stored: it was revoked, and a revoked secret is never stored again.
            const stored = yield* storage.findGlobal(Collections.ApiKeys, "hash", yield* sha256Hex(apiKey))
            if (Option.isSome(stored)) {
              return yield* Effect.fail(new Conflict({
                field: "apiKey",
                message: "was revoked and can never be used again; choose a new key (or unset it to keep using the other keys)"
              }))
            }
          }
          // A single-tenant installation keeps using its first project, also for a new key.
          const existing = yield* storage.projects.first
          if (Option.isSome(existing) && apiKey === undefined) {
            return { projectId: existing.value.id, created: false } satisfies BootstrapResult
          }
          const project = Option.isSome(existing) ? existing.value : yield* create(options.projectName ?? "Default project")
          const mode = apiKey?.startsWith("sk_live_") ? "live" as const : "test" as const
          const tenant = { projectId: project.id, mode }
          if (apiKey !== undefined) {
            yield* Effect.provideService(apiKeys.provision(apiKey, "Bootstrap key"), CurrentTenant, tenant)
            return { projectId: project.id, created: Option.isNone(existing) } satisfies BootstrapResult
          }
          const key = yield* Effect.provideService(
            apiKeys.create({ name: "Bootstrap key", type: "secret", scopes: ["*"], rateLimits: [] }),
            CurrentTenant,
            tenant
          )
          return { projectId: project.id, apiKey: key.secret, created: true } satisfies BootstrapResult
        })
      )
    })

    /** A new project with one secret key per mode, for hosts that serve several tenants. */
    const createWithKeys = traced("Projects.createWithKeys")(function*(name: string) {
      return yield* storage.withTransaction(
        Effect.gen(function*() {
          const project = yield* create(name)
          const keyFor = (mode: "test" | "live") =>
            Effect.provideService(
              apiKeys.create({ name: `Default ${mode} key`, type: "secret", scopes: ["*"], rateLimits: [] }),
              CurrentTenant,
              { projectId: project.id, mode }
            )
          return { projectId: project.id, testKey: (yield* keyFor("test")).secret, liveKey: (yield* keyFor("live")).secret }
        })
      )
    })

    return { create, createWithKeys, bootstrap, get: storage.projects.get } as const
  }),
  dependencies: [ApiKeys.Default]
}) {}
