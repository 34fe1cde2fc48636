/**
 * A typed view of one collection for the current tenant: encodes records with their schema on
 * the way in, decodes on the way out, and turns "missing" into the domain's NotFound.
 */
import { Effect, Either, Option } from "effect"
import { NotFound } from "./Errors.js"
import type { RecordDefinition } from "./Collections.js"
import type { DueQuery, Json, ListQuery, Tenant, UniqueViolation } from "./Storage.js"
import { Storage } from "./Storage.js"
import { nextCursorOf, type Page, type PageRequest } from "./Page.js"
import { decoder, encoder, storedDecoder } from "./Encoder.js"
import { CurrentTenant } from "./Tenancy.js"

/** A repository over the collection of `definition` (see `RecordDefinition`). */
export const makeRepository = <A extends { readonly id: string }, I>(definition: RecordDefinition<A, I>) =>
  Effect.gen(function*() {
    const storage = yield* Storage
    const { collection: spec, schema, resource } = definition
    // Stored data was written by this schema; failing to read it back is corruption: a defect.
    // Decoded synchronously: the Effect-based decoder costs a fiber step per field.
    // Memoized per JSON object (kernel/Encoder): a batch's prefetched rows are read by several steps.
    const decodeEither = decoder(schema)
    const decode = (json: Json): Effect.Effect<A> =>
      Either.match(decodeEither(json), { onLeft: (error) => Effect.die(error), onRight: (record) => Effect.succeed(record) })
    const encodeRecord = encoder(schema)
    const encode = (record: A) => Effect.orDie(Effect.try(() => encodeRecord(record) as Json))
    const stored = (record: A) =>
      Effect.map(encode(record), (data) => ({ id: record.id, data, index: definition.index(record) }))

    const insert = (record: A): Effect.Effect<A, UniqueViolation, CurrentTenant> =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        Effect.flatMap(stored(record), (r) => storage.insert(spec, tenant, r))
      ).pipe(Effect.as(record))

    const update = (record: A): Effect.Effect<A, UniqueViolation, CurrentTenant> =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        Effect.flatMap(stored(record), (r) => storage.update(spec, tenant, r))
      ).pipe(Effect.as(record))

    /** Inserts many new records in one go, skipping any whose id or unique field is taken; returns the ids inserted. */
    const insertMany = (records: ReadonlyArray<A>): Effect.Effect<ReadonlyArray<string>, never, CurrentTenant> =>
      Effect.flatMap(CurrentTenant, (tenant) =>
        Effect.flatMap(Effect.forEach(records, stored), (rows) => storage.insertMany(spec, tenant, rows))
      )

    /** Replaces many records in one go (one statement where the backend can); a missing one is a defect. */
    const updateMany = (records: ReadonlyArray<A>): Effect.Effect<void, never, CurrentTenant> =>
      records.length === 0 ? Effect.void : Effect.flatMap(CurrentTenant, (tenant) =>
        Effect.flatMap(Effect.orDie(Effect.try(() => records.map((r) => ({ id: r.id, data: encodeRecord(r) as Json, index: definition.index(r) })))), (rows) =>
          storage.updateMany(spec, tenant, rows)))

    /** The records whose `field` (`"id"` or an indexed field) is one of `values`, in id order, in one query. */
    const findMany = (field: string, values: ReadonlyArray<string>, forUpdate = false): Effect.Effect<ReadonlyArray<A>, never, CurrentTenant> =>
      values.length === 0 ? Effect.succeed([]) : Effect.flatMap(CurrentTenant, (tenant) => storage.findMany(spec, tenant, field, values, { forUpdate })).pipe(
        Effect.flatMap((rows) => Effect.forEach(rows, (r) => decode(r.data)))
      )

    const find = (id: string, forUpdate = false): Effect.Effect<Option.Option<A>, never, CurrentTenant> =>
      Effect.flatMap(CurrentTenant, (tenant) => storage.get(spec, tenant, id, { forUpdate })).pipe(
        Effect.flatMap(Option.match({ onNone: () => Effect.succeedNone, onSome: (json) => Effect.asSome(decode(json)) }))
      )

    /**
     * `find` from plain code, where storage reads synchronously: the record, its stored JSON text
     * and whether that text is what encoding the record writes (`storedDecoder`); undefined when
     * storage cannot answer now, or the row does not decode (the Effect path reports the defect).
     */
    const decodeStored = storedDecoder(schema)
    const findNow = (tenant: Tenant, id: string): Option.Option<{ readonly record: A; readonly text: string; readonly asStored: boolean }> | undefined => {
      const text = storage.getNow?.(spec, tenant, id)
      if (text === undefined) return undefined
      if (Option.isNone(text)) return Option.none()
      const decoded = decodeStored(JSON.parse(text.value))
      return decoded === undefined ? undefined : Option.some({ ...decoded, text: text.value })
    }

    const get = (id: string, forUpdate = false): Effect.Effect<A, NotFound, CurrentTenant> =>
      Effect.flatMap(find(id, forUpdate), Option.match({
        onNone: () => Effect.fail(new NotFound({ resource, id })),
        onSome: Effect.succeed
      }))

    const findBy = (field: string, value: string): Effect.Effect<Option.Option<A>, never, CurrentTenant> =>
      Effect.flatMap(CurrentTenant, (tenant) => storage.findOne(spec, tenant, field, value)).pipe(
        Effect.flatMap(Option.match({ onNone: () => Effect.succeedNone, onSome: (json) => Effect.asSome(decode(json)) }))
      )

    const list = (
      page: PageRequest,
      filters: Omit<ListQuery, "limit" | "startingAfter" | "endingBefore" | "includeTotal"> = {}
    ): Effect.Effect<Page<A>, never, CurrentTenant> =>
      Effect.gen(function*() {
        const tenant = yield* CurrentTenant
        const result = yield* storage.list(spec, tenant, { ...filters, ...page })
        const data = yield* Effect.forEach(result.data, decode)
        return {
          data,
          hasMore: result.hasMore,
          nextCursor: nextCursorOf(data, result.hasMore, page.endingBefore !== undefined),
          ...(result.total === undefined ? {} : { total: result.total })
        }
      })

    /** Records whose indexed `field` is at most `upTo`, by that field then id (see `DueQuery`). */
    const due = (query: DueQuery): Effect.Effect<ReadonlyArray<A>, never, CurrentTenant> =>
      Effect.flatMap(CurrentTenant, (tenant) => storage.due(spec, tenant, query)).pipe(
        Effect.flatMap((rows) => Effect.forEach(rows, decode))
      )

    return { insert, insertMany, update, updateMany, find, findNow, findMany, get, findBy, list, due, transaction: storage.withTransaction }
  })
