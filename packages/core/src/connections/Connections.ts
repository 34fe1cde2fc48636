/**
 * Connections to provider accounts (Stripe). Adding one checks its key against the provider
 * (outside any transaction: a read, but still an outside call), seals the key with the
 * instance's SecretBox and commits the connection; the key is never answered again. Several per
 * project and mode; one default, kept unique by the `default_slot` column.
 */
import { Data, Effect, Option } from "effect"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { SecretBox } from "../kernel/SecretBox.js"
import { Storage, type UniqueViolation } from "../kernel/Storage.js"
import { CurrentTenant } from "../kernel/Tenancy.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import * as Collections from "../kernel/Collections.js"
import {
  type ConnectionCreate, type ConnectionUpdate, type StoredConnection, isLiveKey, redactKey, toPublic
} from "./domain/Connection.js"
import { ConnectionRecords } from "./domain/Records.js"
import { ProviderAccounts } from "./ProviderAccounts.js"
import { connectionRoute, ProviderRoutes } from "../payments/index.js"

/** Another transaction took the default slot first: this one is run again. */
class DefaultTaken extends Data.TaggedError("DefaultTaken") {}
class AccountTaken extends Data.TaggedError("AccountTaken") {}

/** Thrown by `assertSecretsReadable` when connections exist that this instance cannot open. */
export class EncryptionKeyRequired extends Error {
  readonly _tag = "EncryptionKeyRequired"
}

export class Connections extends Effect.Service<Connections>()("@billkit/core/Connections", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const storage = yield* Storage
    const repo = yield* makeRepository(ConnectionRecords)
    const routes = yield* ProviderRoutes

    const findActive = (id: string, forUpdate = false) =>
      Effect.map(repo.find(id, forUpdate), Option.filter((c) => c.status === "active"))

    const getActive = (id: string, forUpdate = false) =>
      Effect.flatMap(findActive(id, forUpdate), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource: "connection", id })),
        onSome: Effect.succeed
      }))

    /** The current default, if any (inside the caller's transaction). */
    const currentDefault = Effect.flatMap(repo.findBy("default_slot", "default"), (found) =>
      Option.isNone(found) ? Effect.succeedNone : Effect.map(repo.find(found.value.id, true), Option.filter((c) => c.status === "active")))

    /** Makes `connection` the default, giving the previous default's slot up first. */
    const takeDefault = (connection: StoredConnection) =>
      Effect.gen(function*() {
        const previous = yield* currentDefault
        if (Option.isSome(previous) && previous.value.id !== connection.id) {
          yield* repo.update({ ...previous.value, default: false }).pipe(Effect.orDie)
        }
        return { ...connection, default: true }
      })

    /**
     * Runs a transaction that may take the default slot. Two of them at once (read committed)
     * can both see the old default; the second to commit meets the unique `default_slot` and
     * is run again, now seeing the first one's default.
     */
    const withDefaultRetry = <A, E, R>(self: Effect.Effect<A, E | DefaultTaken, R>): Effect.Effect<A, E, R> =>
      Effect.retry(repo.transaction(self), { times: 5, while: (e) => e instanceof DefaultTaken }).pipe(
        Effect.catchIf((e): e is DefaultTaken => e instanceof DefaultTaken, () => Effect.dieMessage("Connections: the default slot stayed contended"))
      ) as Effect.Effect<A, E, R>

    /** A unique clash on writing a connection: the default slot (retried) or its account. */
    const write = (written: Effect.Effect<StoredConnection, UniqueViolation, CurrentTenant>) =>
      Effect.mapError(written, (e) => (e.field === "default_slot" ? new DefaultTaken() : new AccountTaken()))

    const create = traced("Connections.create")(function*(input: ConnectionCreate) {
      const tenant = yield* CurrentTenant
      const box = yield* SecretBox
      const provider = (yield* ProviderAccounts)[input.provider]
      if (provider === undefined) {
        return yield* new Invalid({
          field: "provider",
          message: `no ${input.provider} integration is configured on this server (billkit({ providerAccounts }))`
        })
      }
      if (!box.sealing) {
        return yield* new Conflict({
          field: "secret_key",
          message: "this server has no encryption key (billkit({ encryptionKey }), BILLKIT_ENCRYPTION_KEY), and provider keys are only stored sealed"
        })
      }
      const live = isLiveKey(input.secretKey)
      if (live !== (tenant.mode === "live")) {
        return yield* new Invalid({
          field: "secret_key",
          message: live ? "is a live key; test mode takes only test keys (sk_test_…)" : "is a test key; live mode takes only live keys (sk_live_…)"
        })
      }
      // The outside call comes before the transaction: nothing is written unless the key works.
      const account = yield* provider.retrieveAccount(input.secretKey).pipe(
        Effect.mapError((e) => new Invalid({ field: "secret_key", message: `was refused by ${input.provider}: ${e.message}` }))
      )
      const now = yield* nowIso
      const sealedSecretKey = yield* box.seal(input.secretKey)
      const sealedWebhookSecret = input.webhookSecret === undefined ? null : yield* box.seal(input.webhookSecret)
      const id = yield* ids.next("connection")
      return yield* withDefaultRetry(
        Effect.gen(function*() {
          const fresh: StoredConnection = {
            id,
            object: "connection",
            provider: input.provider,
            providerAccountId: account.id,
            livemode: live,
            default: false,
            redactedKey: redactKey(input.secretKey),
            webhookSecretSet: sealedWebhookSecret !== null,
            createdAt: now,
            status: "active",
            sealedSecretKey,
            sealedWebhookSecret,
            deletedAt: null
          }
          const first = Option.isNone(yield* currentDefault)
          const connection = input.default === true || first ? yield* takeDefault(fresh) : fresh
          yield* write(repo.insert(connection)).pipe(Effect.catchTag("AccountTaken", () =>
            Effect.flatMap(repo.findBy("account", `${input.provider}:${account.id}`), (existing) =>
              new Conflict({
                field: "secret_key",
                message: `account ${account.id} is already connected${Option.isSome(existing) ? ` as ${existing.value.id}` : ""}`
              }))))
          // Its webhooks (`/v1/providers/stripe/webhook/<id>`) find this tenant by the id.
          yield* routes.record(connectionRoute(id))
          return toPublic(connection)
        })
      )
    })

    const get = traced("Connections.get")(function*(id: string) {
      return toPublic(yield* getActive(id))
    })

    const list = traced("Connections.list")(function*(page: PageRequest) {
      const found = yield* repo.list(page, { where: { status: "active" } })
      return { ...found, data: found.data.map(toPublic) }
    })

    const update = traced("Connections.update")(function*(id: string, input: ConnectionUpdate) {
      const box = yield* SecretBox
      const sealedWebhookSecret = input.webhookSecret == null ? null : yield* box.seal(input.webhookSecret)
      return yield* withDefaultRetry(
        Effect.gen(function*() {
          let connection = yield* getActive(id, true)
          if (input.webhookSecret !== undefined) {
            connection = { ...connection, sealedWebhookSecret, webhookSecretSet: sealedWebhookSecret !== null }
          }
          if (input.default === true) connection = yield* takeDefault(connection)
          yield* write(repo.update(connection)).pipe(Effect.catchTag("AccountTaken", Effect.die))
          return toPublic(connection)
        })
      )
    })

    /**
     * Forgets the key (the sealed value is overwritten) and frees the account to be connected
     * again. Deleting the default leaves the project without one until another is made default.
     */
    const remove = traced("Connections.remove")(function*(id: string) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const connection = yield* getActive(id, true)
          yield* repo.update({
            ...connection,
            status: "deleted",
            default: false,
            sealedSecretKey: "",
            sealedWebhookSecret: null,
            deletedAt: yield* nowIso
          }).pipe(Effect.orDie)
          return { id, object: "connection" as const, deleted: true as const }
        })
      )
    })

    /** The connection a customer belongs to: its own, else the project's default (none if neither). */
    const resolve = traced("Connections.resolve")(function*(connectionId: string | null | undefined) {
      if (connectionId != null) return Option.some(toPublic(yield* getActive(connectionId)))
      return Option.map(yield* currentDefault, toPublic)
    })

    /** A connection's secret key, opened: for the provider integration, never for a client. */
    const secretKeyOf = traced("Connections.secretKeyOf")(function*(id: string) {
      const connection = yield* getActive(id)
      return yield* Effect.orDie((yield* SecretBox).open(connection.sealedSecretKey))
    })

    /** Its webhook signing secret, opened, if one was given. */
    const webhookSecretOf = traced("Connections.webhookSecretOf")(function*(id: string) {
      const connection = yield* getActive(id)
      if (connection.sealedWebhookSecret === null) return Option.none<string>()
      return Option.some(yield* Effect.orDie((yield* SecretBox).open(connection.sealedWebhookSecret)))
    })

    /**
     * Refuses (with `EncryptionKeyRequired`) when any project holds a connection whose key this
     * instance cannot open: a server started without `BILLKIT_ENCRYPTION_KEY`, or with another.
     * Run once at start, so the failure is a clear message, not a 500 on the first charge.
     */
    const assertSecretsReadable = Effect.gen(function*() {
      const box = yield* SecretBox
      for (const project of yield* storage.projects.all) {
        for (const mode of ["test", "live"] as const) {
          const tenant = { projectId: project.id, mode }
          const first = yield* storage.list(Collections.Connections, tenant, { where: { status: "active" }, limit: 1 })
          const [row] = first.data
          if (row === undefined) continue
          const sealed = String(row.sealed_secret_key ?? "")
          const opened = yield* Effect.either(box.open(sealed))
          if (opened._tag === "Left") {
            return yield* Effect.die(new EncryptionKeyRequired(
              `Project ${project.id} has provider connections (${String(row.id)}) whose keys are sealed, and ` +
                (box.sealing
                  ? "the encryption key configured is not the one they were sealed with."
                  : "no encryption key is configured: set BILLKIT_ENCRYPTION_KEY (billkit({ encryptionKey })).")
            ))
          }
        }
      }
    })

    return { create, get, list, update, remove, resolve, secretKeyOf, webhookSecretOf, assertSecretsReadable } as const
  }),
  dependencies: [ProviderRoutes.Default]
}) {}
