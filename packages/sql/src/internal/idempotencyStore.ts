/**
 * Idempotency keys. A claim is one atomic upsert: a new key is inserted, an expired or stale
 * in-flight one is taken over, and any other existing key is left alone; only then is the
 * existing row read to say why the claim was refused. Atomic across processes on Postgres.
 */
import { Effect } from "effect"
import { traced, type IdempotencyClaim, type IdempotencyClaimArgs, type IdempotencyStore, type StoredResponse } from "@billkit/core"
import type { SqlExecutor } from "./SqlExecutor.js"

const table = "billkit_idempotency_keys"

export const makeIdempotencyStore = ({ query }: SqlExecutor): IdempotencyStore => {
  const takeKey = (a: IdempotencyClaimArgs) =>
    query((db) =>
      db
        .insertInto(table)
        .values({
          scope: a.scope,
          key: a.key,
          fingerprint: a.fingerprint,
          status: "in_flight",
          response: null,
          created_at: a.now,
          expires_at: a.expiresAt
        })
        .onConflict((oc) =>
          oc
            .columns(["scope", "key"])
            .doUpdateSet({
              fingerprint: a.fingerprint,
              status: "in_flight",
              response: null,
              created_at: a.now,
              expires_at: a.expiresAt
            })
            .where((eb) =>
              eb.or([
                eb(`${table}.expires_at`, "<=", a.now),
                eb.and([eb(`${table}.status`, "=", "in_flight"), eb(`${table}.created_at`, "<", a.staleBefore)])
              ])
            )
        )
        .returning("scope")
        .execute()
    ).pipe(Effect.map((rows) => rows.length === 1))

  const existing = (a: IdempotencyClaimArgs) =>
    query((db) =>
      db
        .selectFrom(table)
        .select(["fingerprint", "status", "response"])
        .where("scope", "=", a.scope)
        .where("key", "=", a.key)
        .executeTakeFirst()
    )

  const claim = traced("SqlStorage.idempotency.claim")(function* (a: IdempotencyClaimArgs) {
    // The row can only disappear between the two statements through `release`; then try again.
    for (;;) {
      if (yield* takeKey(a).pipe(Effect.orDie)) return { _tag: "Claimed" } as IdempotencyClaim
      const row = yield* existing(a).pipe(Effect.orDie)
      if (row === undefined) continue
      if (row.fingerprint !== a.fingerprint) return { _tag: "Mismatch" } as IdempotencyClaim
      if (row.status !== "completed" || row.response === null) return { _tag: "InFlight" } as IdempotencyClaim
      return { _tag: "Completed", response: JSON.parse(row.response) as StoredResponse } as IdempotencyClaim
    }
  })

  const complete = traced("SqlStorage.idempotency.complete")((scope: string, key: string, response: StoredResponse) =>
    query((db) =>
      db
        .updateTable(table)
        .set({ status: "completed", response: JSON.stringify(response) })
        .where("scope", "=", scope)
        .where("key", "=", key)
        .execute()
    ).pipe(Effect.asVoid, Effect.orDie)
  )

  const release = traced("SqlStorage.idempotency.release")((scope: string, key: string) =>
    query((db) => db.deleteFrom(table).where("scope", "=", scope).where("key", "=", key).execute()).pipe(
      Effect.asVoid,
      Effect.orDie
    )
  )

  return { claim, complete, release }
}
