/**
 * Prefixed, time-sortable ids: `cus_` + 10 Crockford base32 chars of milliseconds + 16 of
 * randomness (ULID layout). Sorting ids sorts by creation time, which is what makes cursor
 * pagination and `from`/`to` filters work on the id alone.
 */
import { Schema } from "effect"

export const prefixes = {
  customer: "cus", product: "prod", price: "price", plan: "plan", feature: "feat", metric: "met",
  subscription: "sub", invoice: "inv", payment: "pay", refund: "re", paymentMethod: "pm",
  usageEvent: "ue", usageLimit: "ul", voucher: "vou", checkoutSession: "cs", portalSession: "ps",
  webhookEndpoint: "we", event: "evt", apiKey: "key", connection: "conn", referralCode: "rc",
  creditNote: "cn", balance: "bal", project: "proj", request: "req",
  invoiceItem: "ii", redemption: "red", balanceTransaction: "btx", billingRun: "run", sequence: "seq",
  clock: "clk", usageRollup: "ur", usageDistinct: "ud",
  mrrEntry: "mrre", referral: "ref", referralConfig: "rcfg", webhookDelivery: "whd", providerEvent: "pev", providerRoute: "prt", sync: "sync", report: "rpt"
} as const

export type IdKind = keyof typeof prefixes

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
const timeLength = 10
const randomLength = 16

export const encodeTime = (ms: number): string => {
  let out = ""
  let rest = Math.max(0, Math.floor(ms))
  for (let i = 0; i < timeLength; i++) {
    out = alphabet[rest % 32] + out
    rest = Math.floor(rest / 32)
  }
  return out
}

const alphabetCodes = Array.from(alphabet, (c) => c.charCodeAt(0))
const randomCodes: Array<number> = new Array(randomLength)

/**
 * Encodes 80 random bits (the 10 bytes of `bytes` from `offset`) as 16 base32 characters, 5 bits
 * at a time. One string made at the end: a batch of usage events encodes a thousand of these.
 */
export const encodeRandom = (bytes: Uint8Array, offset = 0): string => {
  let buffer = 0
  let bits = 0
  let n = 0
  for (let i = offset; i < offset + 10; i++) {
    buffer = (buffer << 8) | bytes[i]!
    bits += 8
    while (bits >= 5) {
      bits -= 5
      randomCodes[n++] = alphabetCodes[(buffer >> bits) & 31]!
    }
    buffer &= (1 << bits) - 1
  }
  return String.fromCharCode(...randomCodes)
}

export const makeId = (kind: IdKind, ms: number, random: string): string => `${prefixes[kind]}_${encodeTime(ms)}${random}`

/** The smallest and largest ids of `kind` that could have been made at `ms`: bounds for time filters. */
export const lowestIdAt = (kind: IdKind, ms: number): string => `${prefixes[kind]}_${encodeTime(ms)}${"0".repeat(randomLength)}`
export const highestIdAt = (kind: IdKind, ms: number): string => `${prefixes[kind]}_${encodeTime(ms)}${"Z".repeat(randomLength)}`

/** Increments a base32 random part by one (for ids made within the same millisecond). */
export const incrementRandom = (random: string): string => {
  const chars = random.split("")
  for (let i = chars.length - 1; i >= 0; i--) {
    const next = alphabet.indexOf(chars[i]) + 1
    if (next < 32) {
      chars[i] = alphabet[next]
      return chars.join("")
    }
    chars[i] = "0"
  }
  return chars.join("")
}

/** An id of the given kind: checked for shape, so `cus_` never stands where `prod_` is expected. */
export const Id = (kind: IdKind) =>
  Schema.String.pipe(
    Schema.pattern(new RegExp(`^${prefixes[kind]}_[0-9A-HJKMNP-TV-Z]{26}$`), {
      message: () => `must be a ${prefixes[kind]}_ id`
    })
  ).annotations({ description: `A \`${prefixes[kind]}_\` id.` })

/**
 * For a code that is also looked up where an id of `kind` is accepted (a plan's `code_name`, a
 * feature's or metric's `code`): one that starts like such an id would be taken for an id, and
 * could never be used, so it is refused.
 */
export const notIdLike = (kind: IdKind) => <A extends string, I, R>(self: Schema.Schema<A, I, R>) =>
  self.pipe(Schema.filter((code) => !code.startsWith(`${prefixes[kind]}_`), {
    message: () => `must not start with "${prefixes[kind]}_": that is how ${kind} ids start`,
    description: `not starting with "${prefixes[kind]}_", which marks a ${kind} id`,
    jsonSchema: { not: { pattern: `^${prefixes[kind]}_` } }
  }))
