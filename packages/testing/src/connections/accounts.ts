/**
 * The provider side of a connections test: an integration Billkit checks keys and lists objects
 * through, and a way to open accounts on the provider and get their keys. `inProcessAccounts()`
 * keeps the accounts in this process; their objects are generated from counts (so a 10,000
 * customer account costs no memory until listed) and listed as Stripe lists them: newest
 * first, `starting_after` the last id seen. A Stripe-backed harness (the real SDK against the
 * fake Stripe server) satisfies the same interface.
 */
import { Effect } from "effect"
import {
  KeyRejected, ProviderCallFailed, ProviderRateLimited, syncedTypes,
  type ProviderAccountsService, type ProviderObject, type SyncedType
} from "@billkit/core"

/** How many objects of each type a generated account holds (refunds: one per 50th charge, unless given). */
export interface AccountContents {
  readonly customers?: number
  readonly products?: number
  readonly prices?: number
  readonly subscriptions?: number
  readonly invoices?: number
  readonly charges?: number
  readonly refunds?: number
  readonly balance_transactions?: number
}

export interface FakeAccount {
  readonly accountId: string
  readonly secretKey: string
  /** Adds an object of `type` (newer than every generated one), e.g. a charge Billkit made. */
  readonly add: (type: SyncedType, object: ProviderObject) => void
  /** Replaces a stored or generated object by id (drift: the provider's side changed). */
  readonly replace: (type: SyncedType, object: ProviderObject) => void
  /** The object as the provider holds it now, Stripe-shaped (what Billkit changed, read back), if it exists. */
  readonly read: (type: SyncedType, id: string) => Promise<Record<string, unknown> | undefined>
  /** The next `times` subscription updates fail as the provider failing on its side (a 5xx), before they run. */
  readonly failNextUpdates: (times?: number) => void
  /** The next subscription update takes effect at the provider, but its answer never reaches Billkit. */
  readonly loseNextUpdateAnswer: () => void
  /** Subscription updates sent with `idempotencyKey`: all, and those that took effect (neither replayed nor failed). */
  readonly updatesWith: (idempotencyKey: string) => Promise<{ readonly sent: number; readonly effective: number }>
}

export interface AccountsUnderTest {
  /** What the Billkit under test is given as `providerAccounts.stripe`. */
  readonly providerAccounts: ProviderAccountsService
  /** Opens a new account on the provider and answers a working secret key of `mode` for it. */
  readonly newAccount: (mode: "test" | "live", contents?: AccountContents) => Promise<FakeAccount>
  /** A key of the right shape that the provider refuses. */
  readonly refusedKey: (mode: "test" | "live") => string
  readonly close: () => Promise<void>
}

export interface InProcessOptions {
  /** Every `rateLimitEvery`-th list call answers 429 (once; the retry succeeds). */
  readonly rateLimitEvery?: number
  /** Told of every page served, e.g. to kill the process part-way. */
  readonly onPage?: (type: SyncedType, count: number) => void
  /** Makes ids and keys from this tag instead of a counter (a child process must see the parent's account). */
  readonly tag?: string
}

const prefixOf: Record<SyncedType, string> = {
  customers: "cus", products: "prod", prices: "price", subscriptions: "sub", invoices: "in", charges: "ch",
  refunds: "re", balance_transactions: "txn"
}

const baseCreated = 1_700_000_000

/** The `n`th generated object of `type` (0 = oldest) in account `tag`. */
export const generatedObject = (tag: string, type: SyncedType, n: number, contents: Required<AccountContents>): ProviderObject => {
  const id = (t: SyncedType, i: number) => `${prefixOf[t]}_${tag}${String(i).padStart(7, "0")}`
  const created = baseCreated + n * 60
  const none = { customer: null, amount: null, currency: null, status: null, refunded: null, charge: null, paymentIntent: null }
  switch (type) {
    case "customers":
      return { ...none, id: id(type, n), created, data: { object: "customer", email: `customer${n}@example.com`, name: `Customer ${n}` } }
    case "products":
      return { ...none, id: id(type, n), created, status: "active", data: { object: "product", name: `Product ${n}`, active: true } }
    case "prices":
      return {
        ...none, id: id(type, n), created, amount: 2900 + n, currency: "eur",
        data: { object: "price", product: id("products", n % Math.max(1, contents.products)), unit_amount: 2900 + n, currency: "eur", recurring: { interval: "month" } }
      }
    case "subscriptions": {
      const customer = id("customers", n % Math.max(1, contents.customers))
      return {
        ...none, id: id(type, n), created, customer, status: "active",
        data: { object: "subscription", customer, items: { data: [{ price: id("prices", n % Math.max(1, contents.prices)), quantity: 1 }] } }
      }
    }
    case "invoices": {
      const customer = id("customers", n % Math.max(1, contents.customers))
      return {
        ...none, id: id(type, n), created, customer, amount: 2900, currency: "eur", status: "paid",
        data: { object: "invoice", customer, subscription: id("subscriptions", n % Math.max(1, contents.subscriptions)), total: 2900, amount_paid: 2900 }
      }
    }
    case "charges": {
      const customer = id("customers", n % Math.max(1, contents.customers))
      const refunded = n % 50 === 0 ? 1000 : 0
      return {
        ...none, id: id(type, n), created, customer, amount: 2900, currency: "eur", status: "succeeded", refunded,
        paymentIntent: `pi_${tag}${String(n).padStart(7, "0")}`,
        data: { object: "charge", invoice: id("invoices", n), amount_refunded: refunded, metadata: {} }
      }
    }
    case "refunds":
      return {
        ...none, id: id(type, n), created, amount: 1000, currency: "eur", status: "succeeded", charge: id("charges", n * 50),
        data: { object: "refund", charge: id("charges", n * 50) }
      }
    case "balance_transactions":
      return {
        ...none, id: id(type, n), created, amount: 2900, currency: "eur", status: "available",
        data: { object: "balance_transaction", type: "charge", fee: 117, net: 2783, source: id("charges", n) }
      }
  }
}

const complete = (contents: AccountContents): Required<AccountContents> => {
  const charges = contents.charges ?? 0
  return {
    customers: contents.customers ?? 0,
    products: contents.products ?? 0,
    prices: contents.prices ?? 0,
    subscriptions: contents.subscriptions ?? 0,
    invoices: contents.invoices ?? 0,
    charges,
    refunds: contents.refunds ?? Math.ceil(charges / 50),
    balance_transactions: contents.balance_transactions ?? 0
  }
}

interface AccountState {
  readonly tag: string
  readonly accountId: string
  readonly contents: Required<AccountContents>
  /** Objects added after the generated ones, oldest first. */
  readonly added: Record<SyncedType, Array<ProviderObject>>
  readonly replaced: Map<string, ProviderObject>
  /** Subscription updates: the kept answer per idempotency key, failures still to inject, and a log. */
  readonly keys: Map<string, string>
  failures: number
  lostAnswers: number
  readonly updates: Array<{ readonly key: string; readonly effective: boolean }>
}

/** An object of `state` by id, as listed (replaced ones replaced), or undefined. */
const objectOf = (state: AccountState, type: SyncedType, id: string): ProviderObject | undefined => {
  const replaced = state.replaced.get(id)
  if (replaced !== undefined) return replaced
  const added = state.added[type].find((o) => o.id === id)
  if (added !== undefined) return added
  const prefix = `${prefixOf[type]}_${state.tag}`
  const n = Number(id.slice(prefix.length))
  return id.startsWith(prefix) && id.length === prefix.length + 7 && Number.isInteger(n) && n < state.contents[type]
    ? generatedObject(state.tag, type, n, state.contents)
    : undefined
}

/** The object as the provider's API answers it: its data with its id (and status, where the data has none). */
const shapeOf = (o: ProviderObject): Record<string, unknown> => ({ ...(o.status === null ? {} : { status: o.status }), ...o.data, id: o.id, created: o.created })

/** One page of `state`'s objects of `type`, newest first, after `startingAfter`. */
const pageOf = (state: AccountState, type: SyncedType, startingAfter: string | null, limit: number) => {
  const generated = state.contents[type]
  const added = state.added[type]
  const total = generated + added.length
  // Position 0 is the newest: the last added, then the generated ones from the highest n down.
  const at = (position: number): ProviderObject => {
    const object = position < added.length
      ? added[added.length - 1 - position]
      : generatedObject(state.tag, type, generated - 1 - (position - added.length), state.contents)
    return state.replaced.get(object.id) ?? object
  }
  let start = 0
  if (startingAfter !== null) {
    const addedIndex = added.findIndex((o) => o.id === startingAfter)
    if (addedIndex >= 0) start = added.length - addedIndex
    else {
      const n = Number(startingAfter.slice(startingAfter.length - 7))
      start = added.length + (generated - 1 - n) + 1
    }
  }
  const data: Array<ProviderObject> = []
  for (let p = start; p < Math.min(total, start + limit); p++) data.push(at(p))
  return { data, hasMore: start + limit < total }
}

/** Accounts held in this process: each key maps to the account it belongs to. */
export const inProcessAccounts = (options: InProcessOptions = {}): AccountsUnderTest => {
  const byKey = new Map<string, AccountState>()
  let next = 0
  let calls = 0
  const nextTag = () => `${options.tag ?? "t"}${(++next).toString(36).padStart(3, "0")}`
  return {
    providerAccounts: {
      retrieveAccount: (secretKey) => {
        const account = byKey.get(secretKey)
        return account === undefined
          ? Effect.fail(new KeyRejected({ message: `Invalid API Key provided: ${secretKey.slice(0, 8)}…${secretKey.slice(-4)}` }))
          : Effect.succeed({ id: account.accountId })
      },
      listPage: (secretKey, type, { limit, startingAfter }) =>
        Effect.suspend(() => {
          const state = byKey.get(secretKey)
          if (state === undefined) return Effect.die(new Error("Invalid API Key provided"))
          calls++
          if (options.rateLimitEvery !== undefined && calls % options.rateLimitEvery === 0) {
            return Effect.fail(new ProviderRateLimited({ message: "Too many requests" }))
          }
          const page = pageOf(state, type, startingAfter, limit)
          options.onPage?.(type, page.data.length)
          return Effect.succeed(page)
        }),
      retrieveSubscription: (secretKey, id) =>
        Effect.suspend(() => {
          const state = byKey.get(secretKey)
          const found = state === undefined ? undefined : objectOf(state, "subscriptions", id)
          if (state === undefined || found === undefined) {
            return Effect.fail(new ProviderCallFailed({ message: `No such subscription: '${id}'`, retryable: false }))
          }
          const data = shapeOf(found)
          const invoice = typeof data.latest_invoice === "string" ? objectOf(state, "invoices", data.latest_invoice) : undefined
          return Effect.succeed({ ...found, data: { ...data, ...(invoice === undefined ? {} : { latest_invoice: shapeOf(invoice) }) } })
        }),
      cancelSubscriptionAt: (secretKey, id, { at, idempotencyKey }) =>
        Effect.suspend(() => {
          const state = byKey.get(secretKey)
          const found = state === undefined ? undefined : objectOf(state, "subscriptions", id)
          if (state === undefined || found === undefined) {
            return Effect.fail(new ProviderCallFailed({ message: `No such subscription: '${id}'`, retryable: false }))
          }
          // As Stripe keeps idempotency keys: a failure on its side is not kept, an answer is replayed.
          if (state.failures > 0) {
            state.failures--
            state.updates.push({ key: idempotencyKey, effective: false })
            return Effect.fail(new ProviderCallFailed({ message: "An unknown error occurred", retryable: true }))
          }
          const fingerprint = `${id} cancel_at=${at}`
          const kept = state.keys.get(idempotencyKey)
          state.updates.push({ key: idempotencyKey, effective: kept === undefined })
          if (kept !== undefined && kept !== fingerprint) {
            return Effect.fail(new ProviderCallFailed({ message: "Keys for idempotent requests can only be used with the same parameters", retryable: false }))
          }
          if (kept === undefined) {
            state.keys.set(idempotencyKey, fingerprint)
            state.replaced.set(id, { ...found, data: { ...found.data, cancel_at: at, cancel_at_period_end: false } })
          }
          if (kept === undefined && state.lostAnswers > 0) {
            state.lostAnswers--
            return Effect.fail(new ProviderCallFailed({ message: "socket hang up", retryable: true }))
          }
          const now = objectOf(state, "subscriptions", id)!
          return Effect.succeed({ ...now, data: shapeOf(now) })
        })
    },
    newAccount: async (mode, contents = {}) => {
      const tag = nextTag()
      const state: AccountState = {
        tag,
        accountId: `acct_${tag}`,
        contents: complete(contents),
        added: Object.fromEntries(syncedTypes.map((t) => [t, []])) as unknown as Record<SyncedType, Array<ProviderObject>>,
        replaced: new Map(),
        keys: new Map(),
        failures: 0,
        lostAnswers: 0,
        updates: []
      }
      const secretKey = `sk_${mode}_${tag}${"x".repeat(24)}`
      byKey.set(secretKey, state)
      return {
        accountId: state.accountId,
        secretKey,
        add: (type, object) => void state.added[type].push(object),
        replace: (_type, object) => void state.replaced.set(object.id, object),
        read: async (type, id) => {
          const found = objectOf(state, type, id)
          return found === undefined ? undefined : shapeOf(found)
        },
        failNextUpdates: (times = 1) => {
          state.failures += times
        },
        loseNextUpdateAnswer: () => {
          state.lostAnswers++
        },
        updatesWith: async (key) => {
          const sent = state.updates.filter((u) => u.key === key)
          return { sent: sent.length, effective: sent.filter((u) => u.effective).length }
        }
      }
    },
    refusedKey: (mode) => `sk_${mode}_refused${(++next).toString(36)}${"y".repeat(20)}`,
    close: async () => {}
  }
}
