/**
 * Referral codes, referrals and their rewards. A customer applying another's code is referred
 * once (the `referrals` collection is unique on `customer`) and gets the configured voucher at
 * once; the referrer's reward is given in the transaction that marks the referred customer's
 * first invoice paid (`rewardOnPaid`, behind invoicing's `InvoicePaidHooks` port), keyed on the
 * referral's status, so paying again after a refund never rewards twice.
 */
import { Effect, Option } from "effect"
import { Balances } from "../balances/index.js"
import { Customers } from "../customers/index.js"
import { Events } from "../events/index.js"
import type { Invoice } from "../invoicing/domain/index.js"
import { encoder } from "../kernel/Encoder.js"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import type { PageRequest } from "../kernel/Page.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { Vouchers } from "../vouchers/index.js"
import { ReferralCodeRecords, ReferralConfigRecords, ReferralRecords } from "./domain/Records.js"
import type { ReferralApply, ReferralCodeCreate, ReferralConfigUpdate } from "./domain/Referral.js"
import { Referral, ReferralCode, emptyConfig, referralCodeKey, type ReferralConfig } from "./domain/Referral.js"

const encodeReferral = encoder(Referral)

/** A generated code: the last 8 characters of a fresh id's random part (base32, no look-alikes). */
const generatedCode = (id: string) => id.slice(-8)

export class Referrals extends Effect.Service<Referrals>()("@billkit/core/Referrals", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const customers = yield* Customers
    const vouchers = yield* Vouchers
    const balances = yield* Balances
    const events = yield* Events
    const codes = yield* makeRepository(ReferralCodeRecords)
    const referrals = yield* makeRepository(ReferralRecords)
    const configs = yield* makeRepository(ReferralConfigRecords)

    const config = Effect.gen(function*() {
      const found = yield* configs.findBy("name", "default")
      return Option.isSome(found) ? found.value : emptyConfig("")
    })

    /** One code per customer; a chosen code is checked for clashes without regard to case. */
    const createCode = traced("Referrals.createCode")(function*(input: ReferralCodeCreate) {
      return yield* codes.transaction(
        Effect.gen(function*() {
          yield* customers.get(input.customer)
          const existing = yield* codes.findBy("customer", input.customer)
          if (Option.isSome(existing)) {
            return yield* new Conflict({ field: "customer", message: `This customer already has the referral code ${existing.value.code}` })
          }
          const id = yield* ids.next("referralCode")
          const code: ReferralCode = {
            id,
            object: "referral_code",
            code: input.code ?? generatedCode(id),
            customer: input.customer,
            timesApplied: 0,
            conversions: 0,
            rewardsGiven: 0,
            createdAt: yield* nowIso
          }
          return yield* codes.insert(code).pipe(
            Effect.mapError(() => new Conflict({ field: "code", message: "A referral code with this code already exists" }))
          )
        })
      )
    })

    const listCodes = traced("Referrals.listCodes")(function*(page: PageRequest, filters: { readonly customer?: string } = {}) {
      const where: Record<string, string> = {}
      if (filters.customer !== undefined) where.customer = filters.customer
      return yield* codes.list(page, { where })
    })

    const getConfig = traced("Referrals.getConfig")(function*() {
      return yield* config
    })

    /** A voucher named by a reward must exist when the config is saved. */
    const checkVoucher = (field: string, code: string) =>
      Effect.gen(function*() {
        const found = yield* vouchers.list({ limit: 1 }, { code })
        if (found.data.length === 0) return yield* new Invalid({ field, message: `no voucher has the code ${code}` })
      })

    /** Replaces the fields given; a field left out keeps its value, `null` removes that reward. */
    const putConfig = traced("Referrals.putConfig")(function*(input: ReferralConfigUpdate) {
      if (input.referrerReward?.type === "voucher") yield* checkVoucher("referrer_reward.voucher", input.referrerReward.voucher)
      if (input.referredReward != null) yield* checkVoucher("referred_reward.voucher", input.referredReward.voucher)
      return yield* configs.transaction(
        Effect.gen(function*() {
          const found = yield* configs.findBy("name", "default")
          const current = Option.isSome(found) ? yield* configs.get(found.value.id, true).pipe(Effect.orDie) : null
          const next: ReferralConfig = {
            id: current?.id ?? (yield* ids.next("referralConfig")),
            object: "referral_config",
            referrerReward: input.referrerReward === undefined ? current?.referrerReward ?? null : input.referrerReward,
            referredReward: input.referredReward === undefined ? current?.referredReward ?? null : input.referredReward,
            updatedAt: yield* nowIso
          }
          if (current === null) yield* configs.insert(next).pipe(Effect.orDie)
          else yield* configs.update(next).pipe(Effect.orDie)
          return next
        })
      )
    })

    const alreadyReferred = () => new Invalid({ field: "customer", message: "this customer was already referred" })

    /**
     * Refers `customer` by `code`: refused (422 on `customer`) for the code's own customer and for a
     * customer already referred. The referred voucher, if configured, is redeemed in the same
     * transaction, so a voucher that cannot be redeemed leaves nothing written.
     */
    const apply = traced("Referrals.apply")(function*(codeValue: string, input: ReferralApply) {
      return yield* codes.transaction(
        Effect.gen(function*() {
          const found = yield* codes.findBy("code", referralCodeKey(codeValue))
          if (Option.isNone(found)) return yield* new NotFound({ resource: "referral code", id: codeValue })
          const code = yield* codes.get(found.value.id, true)
          yield* customers.get(input.customer)
          if (code.customer === input.customer) {
            return yield* new Invalid({ field: "customer", message: "a customer cannot apply their own referral code" })
          }
          if (Option.isSome(yield* referrals.findBy("customer", input.customer))) return yield* alreadyReferred()
          const { referredReward } = yield* config
          const redemption = referredReward === null
            ? null
            : yield* vouchers.redeem(input.customer, { code: referredReward.voucher })
          const now = yield* nowIso
          const referral: Referral = {
            id: yield* ids.next("referral"),
            object: "referral",
            code: code.code,
            referrer: code.customer,
            customer: input.customer,
            status: "pending",
            referredRedemption: redemption?.id ?? null,
            convertingInvoice: null,
            reward: null,
            rewardedAt: null,
            createdAt: now
          }
          yield* referrals.insert(referral).pipe(Effect.mapError(alreadyReferred))
          yield* codes.update({ ...code, timesApplied: code.timesApplied + 1 }).pipe(Effect.orDie)
          yield* events.emit("referral.applied", referral.id, encodeReferral(referral))
          return referral
        })
      )
    })

    /** The referrer's reward, or why there is none: a balance transaction or redemption id. */
    const giveReward = (referral: Referral, reward: ReferralConfig["referrerReward"]) =>
      Effect.gen(function*() {
        if (reward === null) return { status: "converted" as const, reward: null }
        if (reward.type === "balance_credit") {
          const tx = yield* balances.record({
            customer: referral.referrer,
            currency: reward.currency,
            amount: reward.amount,
            type: "adjustment",
            description: `Referral reward: ${referral.customer} (${referral.id})`
          })
          return { status: "rewarded" as const, reward: tx.id }
        }
        return yield* vouchers.redeem(referral.referrer, { code: reward.voucher }).pipe(
          Effect.map((r) => ({ status: "rewarded" as const, reward: r.id })),
          Effect.catchAll(() => Effect.succeed({ status: "reward_failed" as const, reward: null }))
        )
      })

    /**
     * Called in the transaction that marks `invoice` paid. The first paid invoice with a positive
     * total converts the customer's pending referral; any later one (another invoice, or the same
     * one paid again after a refund) finds it no longer pending and does nothing.
     */
    const rewardOnPaid = (invoice: Invoice) =>
      Effect.gen(function*() {
        if (invoice.total <= 0) return
        const found = yield* referrals.findBy("customer", invoice.customer)
        if (Option.isNone(found) || found.value.status !== "pending") return
        const referral = yield* referrals.get(found.value.id, true)
        if (referral.status !== "pending") return
        const { referrerReward } = yield* config
        const outcome = yield* giveReward(referral, referrerReward)
        const now = yield* nowIso
        const converted: Referral = {
          ...referral,
          status: outcome.status,
          convertingInvoice: invoice.id,
          reward: outcome.reward,
          rewardedAt: outcome.status === "rewarded" ? now : null
        }
        yield* referrals.update(converted)
        const codeFound = yield* codes.findBy("code", referralCodeKey(referral.code))
        if (Option.isSome(codeFound)) {
          const code = yield* codes.get(codeFound.value.id, true)
          yield* codes.update({
            ...code,
            conversions: code.conversions + 1,
            rewardsGiven: code.rewardsGiven + (outcome.status === "rewarded" ? 1 : 0)
          })
        }
        if (outcome.status === "rewarded") yield* events.emit("referral.rewarded", converted.id, encodeReferral(converted))
      }).pipe(Effect.orDie)

    const listReferrals = traced("Referrals.listReferrals")(function*(page: PageRequest, filters: { readonly code?: string } = {}) {
      const where: Record<string, string> = {}
      if (filters.code !== undefined) where.code = referralCodeKey(filters.code)
      return yield* referrals.list(page, { where })
    })

    return { createCode, listCodes, getConfig, putConfig, apply, rewardOnPaid, listReferrals } as const
  }),
  dependencies: [Customers.Default, Vouchers.Default, Balances.Default, Events.Default]
}) {}
