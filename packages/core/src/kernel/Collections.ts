/**
 * The collections Billkit stores, with their indexed columns. A SQL migration creates one table
 * per collection with exactly these columns, so adding an indexed field means adding a migration.
 */
import type { Schema } from "effect"
import type { CollectionSpec } from "./Storage.js"

const spec = <const S extends CollectionSpec>(s: S): S => s

/**
 * How one collection's records are stored: its collection, the schema that encodes and decodes a
 * record, the name used in "No such …" messages, and the values of its indexed columns for a
 * record. Exactly one definition exists per collection, in the `domain/Records.ts` of the feature
 * that owns it, and every repository over that collection is made from it: a second wrapper with
 * other index functions would write other column values (a subscription without `due_at` never
 * renews).
 */
export interface RecordDefinition<A extends { readonly id: string }, I = unknown> {
  readonly collection: CollectionSpec
  readonly schema: Schema.Schema<A, I>
  readonly resource: string
  readonly index: (record: A) => Record<string, string | null>
}

export const records = <A extends { readonly id: string }, I>(definition: RecordDefinition<A, I>): RecordDefinition<A, I> =>
  definition

export const Customers = spec({
  name: "customers",
  indexed: ["email", "country", "reference", "external_reference", "company_name", "status", "connection", "provider_key"],
  unique: ["email", "provider_key"]
})

export const Products = spec({ name: "products", indexed: ["status", "connection", "provider_key"], unique: ["provider_key"] })

export const Prices = spec({
  name: "prices",
  indexed: ["product", "currency", "public", "schedule", "connection", "provider_key"],
  unique: ["provider_key"]
})

export const Features = spec({ name: "features", indexed: ["code"], unique: ["code"] })

export const Plans = spec({
  name: "plans",
  indexed: ["code_name", "product", "public", "connection", "provider_key"],
  unique: ["code_name", "provider_key"]
})

export const ApiKeys = spec({
  name: "api_keys",
  indexed: ["hash", "type", "status"],
  unique: [],
  globallyUnique: ["hash"]
})

// Imports from provider accounts (migration 0014): customers, products, prices, plans,
// subscriptions, invoices, payments and refunds gain `connection` (the `connection=` list filter)
// and `provider_key` (`<connection>:<provider id>`, unique: a re-run finds what it imported).

// Billing (migration 0002). `due_at` columns hold ISO-8601 UTC instants of the next work the
// billing loop must do for a record (null when none), so that one indexed range query finds it.

export const Subscriptions = spec({
  name: "subscriptions",
  indexed: ["customer", "plan", "status", "due_at", "connection", "provider_key"],
  unique: ["provider_key"]
})

// `created_at` (migration 0004): the record's own time, which the `from`/`to` filters compare.

export const Invoices = spec({
  name: "invoices",
  indexed: ["customer", "subscription", "status", "number", "due_at", "created_at", "connection", "provider_key"],
  unique: ["number", "provider_key"]
})

/** Charges and credits waiting for a customer's next invoice (prorations, adjustments). */
export const InvoiceItems = spec({ name: "invoice_items", indexed: ["customer", "subscription", "status", "invoice"], unique: [] })

export const CreditNotes = spec({ name: "credit_notes", indexed: ["invoice", "customer"], unique: [] })

/**
 * `pending_invoice` (migration 0003) is the invoice of a `pending` attempt, null otherwise: unique,
 * so an invoice never has two attempts in flight, whichever process starts them.
 */
export const Payments = spec({
  name: "payments",
  indexed: ["customer", "invoice", "status", "pending_invoice", "created_at", "provider_ref", "connection", "provider_key"],
  unique: ["pending_invoice", "provider_key"]
})

// `provider_ref` on payments and refunds (migration 0006): an inbound provider webhook finds the
// record of a PaymentIntent or a refund made at the provider.

/** `status` (migration 0003) finds the refunds still `pending`, to resume them with their key. */
export const Refunds = spec({
  name: "refunds",
  indexed: ["payment", "customer", "status", "created_at", "provider_ref", "connection", "provider_key"],
  unique: ["provider_key"]
})

export const PaymentMethods = spec({ name: "payment_methods", indexed: ["customer", "status"], unique: [] })

export const Vouchers = spec({ name: "vouchers", indexed: ["code", "status"], unique: ["code"] })

/** A voucher applied to a customer, with the cycles it has discounted so far. */
export const Redemptions = spec({ name: "redemptions", indexed: ["customer", "voucher", "status"], unique: [] })

/** One per customer and currency: `key` is `<customer>:<currency>`. */
export const Balances = spec({ name: "balances", indexed: ["customer", "key"], unique: ["key"] })

export const BalanceTransactions = spec({ name: "balance_transactions", indexed: ["customer", "currency"], unique: [] })

/** `dispatch` (migration 0005) is "0" while the event waits to be fanned out to webhooks and subscribers, else null. */
export const Events = spec({ name: "events", indexed: ["type", "subject", "created_at", "dispatch"], unique: [] })

/** Work the billing loop has done, one per `key` (subscription and period, or invoice and attempt). */
export const BillingRuns = spec({ name: "billing_runs", indexed: ["key"], unique: ["key"] })

/** Gapless counters (invoice numbers), one per `name` and tenant. */
export const Sequences = spec({ name: "sequences", indexed: ["name"], unique: ["name"] })

/** The test clock of a project's test mode (at most one, `name` "test"). */
export const Clocks = spec({ name: "clocks", indexed: ["name"], unique: ["name"] })

// Usage metering (migration 0002 too).

export const Metrics = spec({ name: "metrics", indexed: ["code"], unique: ["code"] })

export const UsageEvents = spec({
  name: "usage_events",
  indexed: ["event_id", "customer", "subscription", "code"],
  unique: ["event_id"]
})

/** A metric's running aggregate for one customer and period: `key` is `<customer>:<metric>:<period start>`. */
export const UsageRollups = spec({ name: "usage_rollups", indexed: ["key", "customer"], unique: ["key"] })

/** Distinct values seen by a `unique_count` rollup: `key` is `<rollup key>:<value>`. */
export const UsageDistinct = spec({ name: "usage_distinct", indexed: ["key"], unique: ["key"] })

export const UsageLimits = spec({ name: "usage_limits", indexed: ["customer", "status"], unique: [] })

// Analytics (migration 0009). `at` is the instant a change took effect (ISO 8601 UTC), so one
// indexed range query reads the ledger up to any instant.

/** The MRR ledger: one entry per change of a subscription's recurring value. */
export const MrrEntries = spec({ name: "mrr_entries", indexed: ["subscription", "customer", "currency", "at"], unique: [] })

/** Each subscription's recurring value as last recorded; its id is the subscription's. */
export const MrrStates = spec({ name: "mrr_states", indexed: ["customer"], unique: [] })

/**
 * The ledger summed per currency and UTC day (migration 0012); ids carry the tenant, currency and
 * day, so a keyed read finds (and on Postgres locks) a day's row.
 */
export const MrrDays = spec({ name: "mrr_days", indexed: ["currency", "day"], unique: [] })

/** Each customer's ARR per currency as the ledger last left it; id `mc_<customer>_<currency>`. */
export const MrrCustomers = spec({ name: "mrr_customers", indexed: ["customer"], unique: [] })

/** Succeeded payments and refunds summed per currency and UTC day of creation (migration 0012). */
export const RevenueDays = spec({ name: "revenue_days", indexed: ["currency", "day"], unique: [] })

// Webhooks (migration 0005).

export const WebhookEndpoints = spec({ name: "webhook_endpoints", indexed: ["status"], unique: [] })

/** One event to one endpoint or subscriber; `due_at` is its next attempt, or its lease's end while one is in flight. */
export const WebhookDeliveries = spec({
  name: "webhook_deliveries",
  indexed: ["endpoint", "subscriber", "event", "status", "due_at", "created_at"],
  unique: []
})

// The payment provider's bookkeeping (migration 0006).

/** The provider's customer for a Billkit customer: the record's id is the Billkit customer's id. */
export const ProviderCustomers = spec({ name: "provider_customers", indexed: ["provider_ref"], unique: ["provider_ref"] })

/** Inbound provider events already processed, one per `key` (`stripe:<event id>`). */
export const ProviderEvents = spec({ name: "provider_events", indexed: ["key"], unique: ["key"] })

// Provider connections and their syncs (migration 0007).

/** Connected provider accounts (Stripe), their keys sealed; see connections/domain/Records.ts. */
export const Connections = spec({ name: "connections", indexed: ["account", "default_slot", "status"], unique: ["account", "default_slot"] })

/** Import runs from a connection; `due_at` is when a worker may (next) take one up, null once it finished. */
export const Syncs = spec({ name: "syncs", indexed: ["connection", "status", "due_at"], unique: [] })

/** The provider's objects as the last sync saw them; id `<connection>:<provider id>`, so a re-run updates. */
export const ProviderObjects = spec({
  name: "provider_objects",
  indexed: ["connection", "type", "created_at", "payment_intent"],
  unique: []
})

// Inbound provider webhooks' routing (migration 0014).

/**
 * Which tenant a provider reference belongs to (`connection:conn_…`, `stripe:cus_…`): `ref` is
 * unique across tenants, so an inbound webhook finds its project with one lookup.
 */
export const ProviderRoutes = spec({ name: "provider_routes", indexed: ["ref"], unique: [], globallyUnique: ["ref"] })
// Hosted pages (migration 0008). `token_hash` is the SHA-256 of the token in the page's URL.
export const CheckoutSessions = spec({ name: "checkout_sessions", indexed: ["token_hash", "status", "customer"], unique: ["token_hash"] })

export const PortalSessions = spec({ name: "portal_sessions", indexed: ["token_hash", "customer"], unique: ["token_hash"] })
/** Report runs (`rpt_…`). */
export const Reports = spec({ name: "reports", indexed: ["status"], unique: [] })

/** A report's CSV file, a page of rows per chunk; `report` finds a file's chunks, in id order. */
export const ReportChunks = spec({ name: "report_chunks", indexed: ["report"], unique: [] })

// Referrals (migration 0010).

/** One code per customer: both `code` (case-folded) and `customer` are unique. */
export const ReferralCodes = spec({ name: "referral_codes", indexed: ["code", "customer"], unique: ["code", "customer"] })

/** A customer referred by a code; `customer` is unique, so a customer is referred once. */
export const Referrals = spec({ name: "referrals", indexed: ["code", "referrer", "customer", "status"], unique: ["customer"] })

/** The project's referral rewards: one record per tenant, `name` "default" (ids are unique across tenants). */
export const ReferralConfigs = spec({ name: "referral_configs", indexed: ["name"], unique: ["name"] })

/**
 * One row per tenant whose `version` every committing transaction that changes an entitlement
 * answer bumps: other processes compare it to drop their cached checks (`name` "entitlements").
 */
export const EntitlementVersions = spec({ name: "entitlement_versions", indexed: ["name"], unique: ["name"] })

/** Every collection, in the order the migrations create them. */
export const all: ReadonlyArray<CollectionSpec> = [
  Customers, Products, Prices, Features, Plans, ApiKeys,
  Subscriptions, Invoices, InvoiceItems, CreditNotes, Payments, Refunds, PaymentMethods, Vouchers, Redemptions,
  Balances, BalanceTransactions, Events, BillingRuns, Sequences, Clocks,
  Metrics, UsageEvents, UsageRollups, UsageDistinct, UsageLimits,
  WebhookEndpoints, WebhookDeliveries,
  ProviderCustomers, ProviderEvents,
  Connections, Syncs, ProviderObjects,
  CheckoutSessions, PortalSessions,
  MrrEntries, MrrStates, Reports, ReportChunks,
  ReferralCodes, Referrals, ReferralConfigs,
  MrrDays, MrrCustomers, RevenueDays,
  EntitlementVersions,
  ProviderRoutes
]
