/** Fixed-window rate-limit counters: one atomic upsert per hit, so processes sharing the database count together. */
import { Effect } from "effect"
import { traced, type RateLimitStore } from "@billkit/core"
import type { SqlExecutor } from "./SqlExecutor.js"

const table = "billkit_rate_limits"

export const makeRateLimitStore = ({ query }: SqlExecutor): RateLimitStore => ({
  hit: traced("SqlStorage.rateLimits.hit")((bucket: string, windowStart: number, expiresAt: number) =>
    query((db) =>
      db
        .insertInto(table)
        .values({ bucket, window_start: windowStart, count: 1, expires_at: expiresAt })
        .onConflict((oc) =>
          oc.columns(["bucket", "window_start"]).doUpdateSet((eb) => ({ count: eb(`${table}.count`, "+", 1) }))
        )
        .returning("count")
        .executeTakeFirstOrThrow()
    ).pipe(
      Effect.map((row) => Number(row.count)),
      Effect.orDie
    )
  ),
  prune: traced("SqlStorage.rateLimits.prune")((now: number) =>
    query((db) => db.deleteFrom(table).where("expires_at", "<=", now).execute()).pipe(Effect.asVoid, Effect.orDie)
  )
})
