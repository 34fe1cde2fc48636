/**
 * Vouchers: a percentage or fixed amount off a customer's invoices (before tax), for one cycle,
 * a number of cycles, or for ever. A redemption applies a voucher to one customer and counts the
 * cycles it has discounted. Codes are matched without regard to case.
 */
import { BigDecimal, Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { InstantInput } from "../../kernel/Instant.js"
import { Metadata } from "../../kernel/Metadata.js"
import { InputAmount, MinorAmount } from "../../kernel/Money.js"
import { integerRange, NonEmptyTrimmed, Percent, PercentInput, Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"

export const VoucherCode = Schema.Trim.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, {
    message: () => "must be 1–64 letters, digits, '_' or '-'"
  })
).annotations({ examples: ["SUMMER25"] })

/** The key a code is unique and looked up by: codes are case-insensitive, like promotion codes. */
export const codeKey = (code: string): string => code.trim().toUpperCase()

export const VoucherType = Schema.Literal("percentage", "fixed")
export type VoucherType = typeof VoucherType.Type
export const VoucherDuration = Schema.Literal("once", "repeating", "forever").annotations({
  description: "`once`: the next invoice; `repeating`: `duration_in_cycles` invoices; `forever`: every invoice."
})
export type VoucherDuration = typeof VoucherDuration.Type
export const VoucherStatus = Schema.Literal("active", "disabled")

export const VoucherAmount = Schema.Struct({
  amount: MinorAmount,
  currency: Currency
}).annotations({ identifier: "VoucherAmount" })
export type VoucherAmount = typeof VoucherAmount.Type

export const Voucher = Schema.Struct({
  id: Id("voucher"),
  object: Schema.Literal("voucher"),
  code: Schema.String,
  name: Schema.String,
  type: VoucherType,
  percentage: Schema.NullOr(Percent),
  amounts: Schema.Array(VoucherAmount),
  duration: VoucherDuration,
  durationInCycles: wire("duration_in_cycles", Schema.NullOr(Schema.Int)),
  maxRedemptions: wire("max_redemptions", Schema.NullOr(Schema.Int)),
  timesRedeemed: wire("times_redeemed", Schema.Int),
  expiresAt: wire("expires_at", Schema.NullOr(Timestamp)),
  status: VoucherStatus,
  metadata: Metadata,
  createdAt: wire("created_at", Timestamp),
  updatedAt: wire("updated_at", Timestamp)
}).annotations({ identifier: "Voucher" })
export type Voucher = typeof Voucher.Type

const positivePercent = PercentInput.pipe(
  Schema.filter((p) => BigDecimal.isPositive(p) || "must be greater than 0")
)

const MaxRedemptions = Schema.Int.pipe(Schema.between(1, 1_000_000_000, { message: () => "must be a positive integer" })).annotations(integerRange(1, 1_000_000_000))

export const VoucherCreate = Schema.Struct({
  code: VoucherCode,
  name: Schema.optional(NonEmptyTrimmed(200)),
  type: VoucherType,
  percentage: Schema.optional(positivePercent),
  amounts: Schema.optional(
    Schema.Array(
      Schema.Struct({
        amount: InputAmount.pipe(Schema.positive({ message: () => "must be a positive integer of minor units" })),
        currency: Currency
      }).annotations({ ...strict })
    ).pipe(Schema.minItems(1), Schema.maxItems(50))
  ),
  duration: Schema.optional(VoucherDuration),
  durationInCycles: optionalWire("duration_in_cycles", Schema.Int.pipe(Schema.between(1, 1200, { message: () => "must be an integer from 1 to 1200" })).annotations(integerRange(1, 1200))),
  maxRedemptions: optionalWire("max_redemptions", Schema.NullOr(MaxRedemptions)),
  expiresAt: optionalWire("expires_at", Schema.NullOr(InstantInput)),
  metadata: Schema.optional(Metadata)
}).annotations({ identifier: "VoucherCreate", ...strict })
export type VoucherCreate = typeof VoucherCreate.Type

/** What may change once a voucher exists: its discount and duration are fixed. */
export const VoucherUpdate = Schema.Struct({
  name: Schema.optional(NonEmptyTrimmed(200)),
  status: Schema.optional(VoucherStatus),
  maxRedemptions: optionalWire("max_redemptions", Schema.NullOr(MaxRedemptions)),
  expiresAt: optionalWire("expires_at", Schema.NullOr(InstantInput)),
  metadata: Schema.optional(Metadata)
}).annotations({ identifier: "VoucherUpdate", ...strict })
export type VoucherUpdate = typeof VoucherUpdate.Type

export const RedemptionStatus = Schema.Literal("active", "exhausted").annotations({
  description: "`active` while the voucher still discounts invoices; `exhausted` once its cycles are used."
})

export const Redemption = Schema.Struct({
  id: Id("redemption"),
  object: Schema.Literal("redemption"),
  customer: Schema.String,
  voucher: Schema.String,
  code: Schema.String,
  status: RedemptionStatus,
  cyclesUsed: wire("cycles_used", Schema.Int),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Redemption" })
export type Redemption = typeof Redemption.Type

export const RedemptionCreate = Schema.Struct({
  code: Schema.Trim.pipe(Schema.nonEmptyString({ message: () => "must not be empty" }), Schema.maxLength(64))
}).annotations({ identifier: "RedemptionCreate", ...strict })
export type RedemptionCreate = typeof RedemptionCreate.Type
