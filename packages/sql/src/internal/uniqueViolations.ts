/**
 * Recognizes a driver's unique-constraint error and names the field it concerns. Index names
 * follow `billkit_<collection>_<field>_key|_gkey` (see the migrations); SQLite reports the
 * index's columns instead, the field being the last of them.
 */
import { Option } from "effect"
import { UniqueViolation, type CollectionSpec } from "@billkit/core"

interface DriverError {
  readonly code?: unknown
  readonly constraint?: unknown
  readonly message?: unknown
}

const fieldFromPostgres = (spec: CollectionSpec, constraint: string): string => {
  const prefix = `billkit_${spec.name}_`
  if (constraint === `${prefix}pkey`) return "id"
  const match = constraint.startsWith(prefix) ? /^(.*)_g?key$/.exec(constraint.slice(prefix.length)) : null
  return match?.[1] ?? constraint
}

// "UNIQUE constraint failed: billkit_customers.project_id, billkit_customers.mode, billkit_customers.email"
const fieldFromSqlite = (message: string): string => {
  const columns = message.slice(message.indexOf(":") + 1).split(",")
  const last = columns[columns.length - 1].trim()
  return last.slice(last.lastIndexOf(".") + 1)
}

export const uniqueViolationOf = (spec: CollectionSpec, error: unknown): Option.Option<UniqueViolation> => {
  if (typeof error !== "object" || error === null) return Option.none()
  const { code, constraint, message } = error as DriverError
  if (code === "23505" && typeof constraint === "string") {
    return Option.some(new UniqueViolation({ collection: spec.name, field: fieldFromPostgres(spec, constraint) }))
  }
  if ((code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") && typeof message === "string") {
    return Option.some(new UniqueViolation({ collection: spec.name, field: fieldFromSqlite(message) }))
  }
  return Option.none()
}
