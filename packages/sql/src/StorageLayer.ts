/** The scoped `Storage` layer both dialects offer: open, migrate, provide, close on release. */
import { Effect, Layer } from "effect"
import type { Kysely } from "kysely"
import { Storage, type StoragePort } from "@billkit/core"
import { migrateEffect, type MigrationError } from "./Migrations.js"

export interface OpenedStorage {
  readonly storage: StoragePort
  readonly db: Kysely<any>
  readonly close: () => Promise<void>
}

/**
 * Opens a connection with `open`, migrates it and provides `Storage`; closes it when the scope
 * ends. A migration that fails (an unreachable server included) is a `MigrationError`.
 */
export const layerStorage = (open: () => OpenedStorage): Layer.Layer<Storage, MigrationError> =>
  Layer.scoped(
    Storage,
    Effect.acquireRelease(Effect.sync(open), (opened) => Effect.promise(opened.close)).pipe(
      Effect.tap((opened) => migrateEffect(opened.db)),
      Effect.map((opened) => opened.storage)
    )
  )
