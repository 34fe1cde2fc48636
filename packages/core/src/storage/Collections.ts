/**
 * The collections Billkit stores, with their indexed columns. A SQL migration creates one table
 * per collection with exactly these columns, so adding an indexed field means adding a migration.
 */
import type { CollectionSpec } from "../ports/Storage.js"

const spec = <const S extends CollectionSpec>(s: S): S => s

export const Customers = spec({
  name: "customers",
  indexed: ["email", "country", "reference", "external_reference", "company_name", "status"],
  unique: ["email"]
})

export const Products = spec({ name: "products", indexed: ["status"], unique: [] })

export const Prices = spec({
  name: "prices",
  indexed: ["product", "currency", "public", "schedule"],
  unique: []
})

export const Features = spec({ name: "features", indexed: ["code"], unique: ["code"] })

export const Plans = spec({
  name: "plans",
  indexed: ["code_name", "product", "public"],
  unique: ["code_name"]
})

export const ApiKeys = spec({
  name: "api_keys",
  indexed: ["hash", "type", "status"],
  unique: [],
  globallyUnique: ["hash"]
})

/** Every collection, in the order the first migration creates them. */
export const all: ReadonlyArray<CollectionSpec> = [Customers, Products, Prices, Features, Plans, ApiKeys]
