import { Collections, type CollectionSpec } from "@billkit/core"
import { Option } from "effect"
import { describe, expect, it } from "vitest"
import { uniqueViolationOf } from "../src/internal/uniqueViolations.js"

describe("uniqueViolationOf", () => {
  it("reads the field from a Postgres constraint name", () => {
    const violation = (constraint: string, spec: CollectionSpec = Collections.Customers) =>
      Option.getOrUndefined(uniqueViolationOf(spec, { code: "23505", constraint }))
    expect(violation("billkit_customers_email_key")).toMatchObject({ collection: "customers", field: "email" })
    expect(violation("billkit_api_keys_hash_gkey", Collections.ApiKeys)).toMatchObject({ field: "hash" })
    expect(violation("billkit_plans_code_name_key", Collections.Plans)).toMatchObject({ field: "code_name" })
    expect(violation("billkit_customers_pkey")).toMatchObject({ field: "id" })
  })

  it("reads the field from SQLite's list of columns", () => {
    const error = {
      code: "SQLITE_CONSTRAINT_UNIQUE",
      message: "UNIQUE constraint failed: billkit_plans.project_id, billkit_plans.mode, billkit_plans.code_name"
    }
    expect(Option.getOrUndefined(uniqueViolationOf(Collections.Plans, error))).toMatchObject({
      collection: "plans",
      field: "code_name"
    })
  })

  it("ignores every other error", () => {
    expect(uniqueViolationOf(Collections.Customers, { code: "23503", constraint: "fk" })).toEqual(Option.none())
    expect(uniqueViolationOf(Collections.Customers, { code: "SQLITE_BUSY", message: "database is locked" })).toEqual(Option.none())
    expect(uniqueViolationOf(Collections.Customers, new Error("boom"))).toEqual(Option.none())
    expect(uniqueViolationOf(Collections.Customers, undefined)).toEqual(Option.none())
  })
})
