/**
 * Referrals: a customer's referral code (one per customer), the referral made when another
 * customer applies it, and the project's reward configuration. The referrer is rewarded once,
 * after the referred customer's first paid invoice; the referred customer gets a voucher at once.
 */
import { Schema } from "effect"
import { Currency } from "../../kernel/Currency.js"
import { Id } from "../../kernel/Ids.js"
import { InputAmount, MinorAmount } from "../../kernel/Money.js"
import { Timestamp, optionalWire, strict, wire } from "../../kernel/Wire.js"

export const ReferralCodeValue = Schema.Trim.pipe(
  Schema.pattern(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, { message: () => "must be 1–64 letters, digits, '_' or '-'" })
).annotations({ examples: ["ALICE-7K2"] })

/** Codes are matched without regard to case, like voucher codes. */
export const referralCodeKey = (code: string): string => code.trim().toUpperCase()

export const ReferralCode = Schema.Struct({
  id: Id("referralCode"),
  object: Schema.Literal("referral_code"),
  code: Schema.String,
  customer: Schema.String,
  /** Customers who applied the code. */
  timesApplied: wire("times_applied", Schema.Int),
  /** Of those, customers who paid a first invoice. */
  conversions: Schema.Int,
  /** Rewards the referrer was given (balance credits or vouchers). */
  rewardsGiven: wire("rewards_given", Schema.Int),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "ReferralCode" })
export type ReferralCode = typeof ReferralCode.Type

export const ReferralCodeCreate = Schema.Struct({
  customer: Schema.String.pipe(Schema.nonEmptyString({ message: () => "must not be empty" })),
  code: Schema.optional(ReferralCodeValue)
}).annotations({ identifier: "ReferralCodeCreate", ...strict })
export type ReferralCodeCreate = typeof ReferralCodeCreate.Type

export const ReferralApply = Schema.Struct({
  customer: Schema.String.pipe(Schema.nonEmptyString({ message: () => "must not be empty" }))
}).annotations({ identifier: "ReferralApply", ...strict })
export type ReferralApply = typeof ReferralApply.Type

export const ReferralStatus = Schema.Literal("pending", "rewarded", "converted", "reward_failed").annotations({
  description: "`pending` until the referred customer's first paid invoice; then `rewarded`, `converted` when no " +
    "referrer reward was configured, or `reward_failed` when the configured voucher could not be redeemed."
})

export const Referral = Schema.Struct({
  id: Id("referral"),
  object: Schema.Literal("referral"),
  code: Schema.String,
  referrer: Schema.String,
  customer: Schema.String,
  status: ReferralStatus,
  /** The voucher redemption the referred customer got on apply, if one was configured. */
  referredRedemption: wire("referred_redemption", Schema.NullOr(Schema.String)),
  /** The invoice whose payment converted the referral. */
  convertingInvoice: wire("converting_invoice", Schema.NullOr(Schema.String)),
  /** What the referrer got: a balance transaction or a voucher redemption id. */
  reward: Schema.NullOr(Schema.String),
  rewardedAt: wire("rewarded_at", Schema.NullOr(Timestamp)),
  createdAt: wire("created_at", Timestamp)
}).annotations({ identifier: "Referral" })
export type Referral = typeof Referral.Type

export const BalanceCreditReward = Schema.Struct({
  type: Schema.Literal("balance_credit"),
  amount: MinorAmount,
  currency: Currency
}).annotations({ identifier: "BalanceCreditReward" })

export const VoucherReward = Schema.Struct({
  type: Schema.Literal("voucher"),
  /** The voucher's code. */
  voucher: Schema.String
}).annotations({ identifier: "VoucherReward" })

export const ReferrerReward = Schema.Union(BalanceCreditReward, VoucherReward)
export type ReferrerReward = typeof ReferrerReward.Type

/** The project's referral rewards; stored as one record per tenant. */
export const ReferralConfig = Schema.Struct({
  id: Schema.String,
  object: Schema.Literal("referral_config"),
  referrerReward: wire("referrer_reward", Schema.NullOr(ReferrerReward)),
  referredReward: wire("referred_reward", Schema.NullOr(VoucherReward)),
  updatedAt: wire("updated_at", Schema.NullOr(Timestamp))
}).annotations({ identifier: "ReferralConfig" })
export type ReferralConfig = typeof ReferralConfig.Type

const BalanceCreditInput = Schema.Struct({
  type: Schema.Literal("balance_credit"),
  amount: InputAmount.pipe(Schema.positive({ message: () => "must be a positive integer of minor units" })),
  currency: Currency
}).annotations({ ...strict })

const VoucherInput = Schema.Struct({
  type: Schema.Literal("voucher"),
  voucher: Schema.Trim.pipe(Schema.nonEmptyString({ message: () => "must not be empty" }), Schema.maxLength(64))
}).annotations({ ...strict })

export const ReferralConfigUpdate = Schema.Struct({
  referrerReward: optionalWire("referrer_reward", Schema.NullOr(Schema.Union(BalanceCreditInput, VoucherInput))),
  referredReward: optionalWire("referred_reward", Schema.NullOr(VoucherInput))
}).annotations({ identifier: "ReferralConfigUpdate", ...strict })
export type ReferralConfigUpdate = typeof ReferralConfigUpdate.Type

/** What a project without a stored config has: no rewards. */
export const emptyConfig = (id: string): ReferralConfig => ({
  id, object: "referral_config", referrerReward: null, referredReward: null, updatedAt: null
})
