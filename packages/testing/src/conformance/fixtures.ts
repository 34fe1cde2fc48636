/** Tenants, records and Exit helpers shared by the conformance suite's sections. */
import { Cause, Effect, Exit, Option } from "effect"
import { Collections, type Json, type StoragePort, type StoredRecord, type Tenant } from "@billkit/core"

export interface StorageUnderTest {
  readonly storage: StoragePort
  /** Empties the storage between tests. */
  readonly reset: () => Promise<void>
  readonly close: () => Promise<void>
}

/** What each section receives: the storage of the running test (read it inside the test). */
export type CurrentStorage = () => StoragePort

export const Customers = Collections.Customers
export const ApiKeys = Collections.ApiKeys
export const Features = Collections.Features

export const tenantA: Tenant = { projectId: "proj_a", mode: "test" }
/** Same project, other mode. */
export const tenantALive: Tenant = { projectId: "proj_a", mode: "live" }
/** Other project, same mode. */
export const tenantB: Tenant = { projectId: "proj_b", mode: "test" }

export const run = <A, E>(effect: Effect.Effect<A, E>): Promise<A> => Effect.runPromise(effect)
export const runExit = <A, E>(effect: Effect.Effect<A, E>): Promise<Exit.Exit<A, E>> =>
  Effect.runPromise(Effect.exit(effect))

/** The typed failure of `exit`, if it failed with one. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E | undefined =>
  Exit.isFailure(exit) ? Option.getOrUndefined(Cause.failureOption(exit.cause)) : undefined

export const isDefect = <A, E>(exit: Exit.Exit<A, E>): boolean => Exit.isFailure(exit) && Cause.isDie(exit.cause)

export interface CustomerFields {
  readonly email?: string | null
  readonly status?: string
  readonly country?: string | null
  readonly [extra: string]: unknown
}

/** A customer record whose indexed values mirror its data, as a repository would store it. */
export const customer = (id: string, fields: CustomerFields = {}): StoredRecord => {
  const data: Json = { id, object: "customer", ...fields }
  const index: Record<string, string | null> = {}
  if (fields.email !== undefined) index.email = fields.email
  if (fields.status !== undefined) index.status = fields.status
  if (fields.country !== undefined) index.country = fields.country
  return { id, data, index }
}

export const apiKey = (id: string, hash: string): StoredRecord => ({
  id,
  data: { id, object: "api_key", hash, type: "secret" },
  index: { hash, type: "secret", status: "active" }
})

export const some = <A>(value: A) => Option.some(value)
export const none = Option.none()
