// The ledger's canonical dump and its SHA-256. Ids carry 80 random bits, and the order in which
// records are written (so the order of their ids) may differ with the billing loop's batching;
// everything else is decided by the seed and the test clock. So the dump names every record by a
// stable key of its own (an invoice by its number, a payment by its idempotency key, a customer
// by its email, a subscription by its customer and creation time, …), replaces every id a record
// mentions by that name, and writes each record as one canonical JSON line (keys sorted). The
// hash is the SHA-256 of the lines' own SHA-256 digests in sorted order: independent of the order
// records come in, and equal only if every line is.
import { createHash } from "node:crypto"
import { Effect } from "effect"
import { Collections } from "@billkit/core"
import { totalsViolation } from "./invariants.mjs"

const idPattern = /\b([a-z]+)_([0-9A-HJKMNP-TV-Z]{10})([0-9A-HJKMNP-TV-Z]{16})\b/g

/** Every record of a collection (matching `query`), in id order, a page at a time. */
export async function* records(storage, tenant, spec, query = {}) {
  let startingAfter
  for (;;) {
    const page = await Effect.runPromise(storage.list(spec, tenant, { ...query, limit: 1000, ...(startingAfter === undefined ? {} : { startingAfter }) }))
    yield* page.data
    if (!page.hasMore || page.data.length === 0) return
    startingAfter = page.data[page.data.length - 1].id
  }
}

/**
 * Each collection's stable name for a record, from the record with the ids it mentions already
 * renamed. Collections are dumped in this order, so what a record mentions is named before it.
 * The catalog is made once, in a fixed order, at the start: its records are named by rank.
 */
const keys = {
  products: null,
  prices: null,
  plans: null,
  metrics: null,
  customers: (r) => `customer:${r.email}`,
  payment_methods: (r) => `${r.customer}:card:${r.created_at}`,
  subscriptions: (r) => `${r.customer}:subscription:${r.created_at}`,
  invoices: (r) => r.number ?? `${r.subscription ?? r.customer}:draft:${r.created_at}:${r.billing_reason}`,
  payments: (r) => r.idempotency_key ?? `${r.customer}:payment:${r.created_at}:${r.amount}`,
  refunds: (r) => `${r.payment}:refund:${r.created_at}:${r.amount}`,
  credit_notes: (r) => `${r.invoice}:credit:${r.created_at}`,
  invoice_items: (r) => `${r.subscription ?? r.customer}:item:${r.created_at}:${r.description}`,
  balances: (r) => `${r.customer}:balance:${r.currency}`,
  balance_transactions: (r) => `${r.customer}:balance:${r.currency}:${r.created_at}:${r.amount}`
}

/** The records that grow with time, named and written in one pass each. */
const ledger = ["invoices", "payments", "refunds", "credit_notes", "invoice_items", "balances", "balance_transactions"]

const canonical = (value) => {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`
  }
  return JSON.stringify(value)
}

/**
 * The dump's SHA-256 (hex; `onLine` sees each line of the dump, in no particular order, e.g. to
 * sort and diff two runs), the record counts, and the invoices whose totals do not add up in
 * their final state (e.g. after a late payment).
 */
export const ledgerHash = async (storage, tenant, onLine) => {
  const names = new Map()
  const spec = (name) => Collections.all.find((c) => c.name === name)
  // An id the dump has no name for (events, usage records) keeps its deterministic part: its time.
  const rename = (text) => text.replace(idPattern, (whole, prefix, time) => names.get(whole) ?? `${prefix}_${time}`)
  const scrub = (value) => {
    if (typeof value === "string") return rename(value)
    if (Array.isArray(value)) return value.map(scrub)
    if (value !== null && typeof value === "object") {
      const out = {}
      // The fake provider's references are its own random ids.
      for (const [k, v] of Object.entries(value)) if (k !== "provider_ref" && k !== "id") out[k] = scrub(v)
      return out
    }
    return value
  }
  const digests = []
  const counts = {}
  const broken = []
  /** Names each record of `collection`; with `emit`, also writes its line. */
  const pass = async (collection, emit) => {
    const key = keys[collection]
    let rank = 0
    const taken = new Map()
    for await (const r of records(storage, tenant, spec(collection))) {
      const data = scrub(r)
      let name = names.get(r.id)
      if (name === undefined) {
        name = key === null ? `${collection}#${rank}` : key(data)
        // Two records with one key (never expected): told apart by the order they come in.
        const clash = taken.get(name) ?? 0
        taken.set(name, clash + 1)
        if (clash > 0) name = `${name}~${clash}`
        names.set(r.id, name)
      }
      rank++
      if (!emit) continue
      if (collection === "invoices") {
        const bad = totalsViolation(r)
        if (bad !== null && broken.length < 100) broken.push(`${name}: ${bad}`)
      }
      const line = `${collection} ${name} ${canonical(data)}\n`
      digests.push(createHash("sha256").update(line).digest())
      onLine?.(line)
    }
    counts[collection] = rank
  }
  // The few records everything mentions are named first, and written last, when every record
  // they mention (a subscription's latest invoice) has its name too.
  const named = Object.keys(keys).filter((c) => !ledger.includes(c))
  for (const collection of named) await pass(collection, false)
  for (const collection of ledger) await pass(collection, true)
  for (const collection of named) await pass(collection, true)
  digests.sort(Buffer.compare)
  const hash = createHash("sha256")
  for (const d of digests) hash.update(d)
  return { sha256: hash.digest("hex"), counts, broken }
}
