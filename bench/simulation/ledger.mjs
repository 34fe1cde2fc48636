// The ledger's canonical dump and its SHA-256. Ids carry 80 random bits, so a run's ids differ
// from the next run's; everything else is decided by the seed and the test clock. The dump names
// each record by its collection and its rank in id order (ids sort by creation, and a run creates
// records in one order), customers by their email, and replaces every id a record mentions by
// that name. Records are written in id order, one canonical JSON line each (keys sorted).
import { createHash } from "node:crypto"
import { Effect } from "effect"
import { Collections } from "@billkit/core"
import { totalsViolation } from "./invariants.mjs"

const idPattern = /\b([a-z]+)_([0-9A-HJKMNP-TV-Z]{10})([0-9A-HJKMNP-TV-Z]{16})\b/g

/** Every record of a collection, in id order, a page at a time. */
export async function* records(storage, tenant, spec, query = {}) {
  let startingAfter
  for (;;) {
    const page = await Effect.runPromise(storage.list(spec, tenant, { ...query, limit: 1000, ...(startingAfter === undefined ? {} : { startingAfter }) }))
    yield* page.data
    if (!page.hasMore || page.data.length === 0) return
    startingAfter = page.data[page.data.length - 1].id
  }
}

/** Named by rank, they are labelled first; dumped, they are hashed, in this order. */
const labelled = ["products", "prices", "plans", "metrics", "customers", "payment_methods", "subscriptions"]
const dumped = ["invoices", "payments", "refunds", "credit_notes", "invoice_items", "balances", "balance_transactions", "subscriptions", "customers"]

const canonical = (value) => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`
  }
  return JSON.stringify(value)
}

/**
 * The dump's SHA-256 (hex), the record counts, and the invoices whose totals do not add up in
 * their final state (e.g. after a late payment).
 */
export const ledgerHash = async (storage, tenant) => {
  const names = new Map()
  const spec = (name) => Collections.all.find((c) => c.name === name)
  const name = (id) => names.get(id)
  // An id the dump has no name for (events, usage records) keeps its deterministic part: its time.
  const rename = (text) => text.replace(idPattern, (whole, prefix, time) => name(whole) ?? `${prefix}_${time}`)
  const scrub = (value) => {
    if (typeof value === "string") return rename(value)
    if (Array.isArray(value)) return value.map(scrub)
    if (value !== null && typeof value === "object") {
      const out = {}
      // The fake provider's references are its own random ids.
      for (const [k, v] of Object.entries(value)) if (k !== "provider_ref") out[k] = scrub(v)
      return out
    }
    return value
  }
  for (const collection of labelled) {
    let rank = 0
    for await (const r of records(storage, tenant, spec(collection))) {
      names.set(r.id, collection === "customers" ? `customer:${r.email}` : `${collection}#${rank++}`)
    }
  }
  const hash = createHash("sha256")
  const counts = {}
  const broken = []
  for (const collection of dumped) {
    let rank = 0
    for await (const r of records(storage, tenant, spec(collection))) {
      if (!names.has(r.id)) names.set(r.id, `${collection}#${rank}`)
      rank++
      if (collection === "invoices") {
        const bad = totalsViolation(r)
        if (bad !== null && broken.length < 100) broken.push(`${r.id}: ${bad}`)
      }
      hash.update(`${collection} ${canonical(scrub(r))}\n`)
    }
    counts[collection] = rank
  }
  return { sha256: hash.digest("hex"), counts, broken }
}
