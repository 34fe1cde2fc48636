/**
 * Vouchers and their redemptions. A redemption applies a voucher to one customer; the invoice
 * engine asks `activeDiscounts` what to take off a customer's next invoice (before tax) and calls
 * `recordCycle` for each discount it applied, in the invoice's transaction.
 */
import type { BigDecimal } from "effect"
import { Effect, Option } from "effect"
import { Conflict, Invalid, NotFound } from "../kernel/Errors.js"
import type { RedemptionCreate, VoucherCreate, VoucherType, VoucherUpdate } from "./domain/Voucher.js"
import { Redemption, Voucher, codeKey } from "./domain/Voucher.js"
import { IdGenerator } from "../kernel/IdGenerator.js"
import { Customers } from "../customers/index.js"
import type { Page, PageRequest } from "../kernel/Page.js"
import { patch } from "../kernel/Patch.js"
import { makeRepository } from "../kernel/Repository.js"
import { nowIso } from "../kernel/Time.js"
import { traced } from "../kernel/Traced.js"
import { RedemptionRecords, VoucherRecords } from "./domain/Records.js"

/**
 * A discount a customer holds: what the invoice engine applies before tax. `amounts` holds one
 * entry per currency for a fixed voucher (apply the one in the invoice's currency, if any);
 * `percentage` is 0 < p ≤ 100 for a percentage voucher. `cyclesRemaining` counts the invoices
 * it still discounts, this one included; `null` means for ever.
 */
export interface ActiveDiscount {
  readonly redemption: string
  readonly voucher: string
  readonly code: string
  readonly type: VoucherType
  readonly percentage: BigDecimal.BigDecimal | null
  readonly amounts: ReadonlyArray<{ readonly amount: number; readonly currency: string }>
  readonly cyclesRemaining: number | null
}

export interface VoucherFilters {
  readonly status?: "active" | "disabled"
  readonly code?: string
}

/** How many billing cycles a redemption of `voucher` discounts; `null` for ever. */
const cyclesOf = (voucher: Voucher): number | null =>
  voucher.duration === "once" ? 1 : voucher.duration === "repeating" ? voucher.durationInCycles : null

const duplicateCode = () => new Conflict({ field: "code", message: "A voucher with this code already exists" })

/** The cross-field rules a schema cannot state: which fields go with which type and duration. */
const checkShape = (input: VoucherCreate, now: string): Effect.Effect<void, Invalid> => {
  const invalid = (field: string, message: string) => Effect.fail(new Invalid({ field, message }))
  if (input.type === "percentage") {
    if (input.percentage === undefined) return invalid("percentage", "is required for a percentage voucher")
    if (input.amounts !== undefined) return invalid("amounts", "must not be set for a percentage voucher")
  } else {
    if (input.amounts === undefined) return invalid("amounts", "is required for a fixed voucher")
    if (input.percentage !== undefined) return invalid("percentage", "must not be set for a fixed voucher")
    const seen = new Set<string>()
    for (const [i, { currency }] of input.amounts.entries()) {
      if (seen.has(currency)) return invalid(`amounts[${i}].currency`, `${currency} appears more than once`)
      seen.add(currency)
    }
  }
  if (input.duration === "repeating" && input.durationInCycles === undefined) {
    return invalid("duration_in_cycles", "is required when duration is repeating")
  }
  if (input.duration !== "repeating" && input.durationInCycles !== undefined) {
    return invalid("duration_in_cycles", "is only allowed when duration is repeating")
  }
  if (input.expiresAt != null && input.expiresAt <= now) return invalid("expires_at", "must be in the future")
  return Effect.void
}

export class Vouchers extends Effect.Service<Vouchers>()("@billkit/core/Vouchers", {
  effect: Effect.gen(function*() {
    const ids = yield* IdGenerator
    const customers = yield* Customers
    const repo = yield* makeRepository(VoucherRecords)
    const redemptions = yield* makeRepository(RedemptionRecords)

    /** Every record matching `where`, page by page. */
    const allRedemptions = (where: Record<string, string>) =>
      Effect.gen(function*() {
        const out: Array<Redemption> = []
        let page: Page<Redemption> | undefined
        do {
          const after: string | undefined = page?.nextCursor ?? undefined
          page = yield* redemptions.list({ limit: 100, ...(after === undefined ? {} : { startingAfter: after }) }, { where })
          out.push(...page.data)
        } while (page.hasMore)
        return out
      })

    const create = traced("Vouchers.create")(function*(input: VoucherCreate) {
      const now = yield* nowIso
      yield* checkShape(input, now)
      const voucher: Voucher = {
        id: yield* ids.next("voucher"),
        object: "voucher",
        code: input.code,
        name: input.name ?? input.code,
        type: input.type,
        percentage: input.type === "percentage" ? input.percentage ?? null : null,
        amounts: input.type === "fixed" ? input.amounts ?? [] : [],
        duration: input.duration ?? "once",
        durationInCycles: input.durationInCycles ?? null,
        maxRedemptions: input.maxRedemptions ?? null,
        timesRedeemed: 0,
        expiresAt: input.expiresAt ?? null,
        status: "active",
        metadata: input.metadata ?? {},
        createdAt: now,
        updatedAt: now
      }
      return yield* repo.transaction(repo.insert(voucher).pipe(Effect.mapError(duplicateCode)))
    })

    const get = traced("Vouchers.get")(function*(id: string) {
      return yield* repo.get(id)
    })

    /** Name, status, limit, expiry and metadata; the discount itself never changes. */
    const update = traced("Vouchers.update")(function*(id: string, input: VoucherUpdate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          const current = yield* repo.get(id, true)
          if (input.maxRedemptions != null && input.maxRedemptions < current.timesRedeemed) {
            return yield* new Invalid({
              field: "max_redemptions",
              message: `must be at least times_redeemed (${current.timesRedeemed})`
            })
          }
          return yield* repo.update({ ...patch(current, input), updatedAt: yield* nowIso }).pipe(Effect.orDie)
        })
      )
    })

    const list = traced("Vouchers.list")(function*(page: PageRequest, filters: VoucherFilters = {}) {
      const where: Record<string, string> = {}
      if (filters.status !== undefined) where.status = filters.status
      if (filters.code !== undefined) where.code = codeKey(filters.code)
      return yield* repo.list(page, { where })
    })

    /**
     * Applies the voucher with `code` to a customer. The voucher row is locked while its limit is
     * checked and its count raised, so concurrent redemptions never exceed `max_redemptions`.
     */
    const redeem = traced("Vouchers.redeem")(function*(customerId: string, input: RedemptionCreate) {
      return yield* repo.transaction(
        Effect.gen(function*() {
          yield* customers.get(customerId)
          const found = yield* repo.findBy("code", codeKey(input.code))
          if (Option.isNone(found)) return yield* new NotFound({ resource: "voucher", id: input.code })
          const voucher = yield* repo.get(found.value.id, true)
          const now = yield* nowIso
          const refuse = (message: string) => new Conflict({ field: "code", message })
          if (voucher.status === "disabled") return yield* refuse("This voucher is disabled")
          if (voucher.expiresAt !== null && voucher.expiresAt <= now) return yield* refuse("This voucher has expired")
          if (voucher.maxRedemptions !== null && voucher.timesRedeemed >= voucher.maxRedemptions) {
            return yield* refuse("This voucher has reached its max_redemptions")
          }
          const active = yield* redemptions.list({ limit: 1 }, {
            where: { customer: customerId, voucher: voucher.id, status: "active" }
          })
          if (active.data.length > 0) return yield* refuse("This voucher is already active on this customer")
          const redemption: Redemption = {
            id: yield* ids.next("redemption"),
            object: "redemption",
            customer: customerId,
            voucher: voucher.id,
            code: voucher.code,
            status: "active",
            cyclesUsed: 0,
            createdAt: now
          }
          yield* redemptions.insert(redemption).pipe(Effect.orDie)
          yield* repo.update({ ...voucher, timesRedeemed: voucher.timesRedeemed + 1, updatedAt: now }).pipe(Effect.orDie)
          return redemption
        })
      )
    })

    /** A customer's redemptions, active and exhausted, oldest first. */
    const listRedemptions = traced("Vouchers.listRedemptions")(function*(customerId: string, page: PageRequest) {
      yield* customers.get(customerId)
      return yield* redemptions.list(page, { where: { customer: customerId } })
    })

    /**
     * The discounts a customer's next invoice gets: its active redemptions, oldest first. A
     * redeemed voucher keeps applying for its duration even once it expires or is disabled.
     */
    const activeDiscounts = traced("Vouchers.activeDiscounts")(function*(customerId: string) {
      const active = yield* allRedemptions({ customer: customerId, status: "active" })
      const discounts: Array<ActiveDiscount> = []
      for (const redemption of active) {
        const voucher = yield* repo.find(redemption.voucher)
        if (Option.isNone(voucher)) continue
        const v = voucher.value
        const cycles = cyclesOf(v)
        discounts.push({
          redemption: redemption.id,
          voucher: v.id,
          code: v.code,
          type: v.type,
          percentage: v.percentage,
          amounts: v.amounts,
          cyclesRemaining: cycles === null ? null : Math.max(0, cycles - redemption.cyclesUsed)
        })
      }
      return discounts as ReadonlyArray<ActiveDiscount>
    })

    /**
     * Counts one more billing cycle discounted by a redemption (call it once per invoice that
     * applied the discount, in that invoice's transaction). `once` is exhausted after one cycle,
     * `repeating` after `duration_in_cycles`, `forever` never. An exhausted redemption is left as
     * it is; an unknown id is a defect in the caller.
     */
    const recordCycle = traced("Vouchers.recordCycle")(function*(redemptionId: string) {
      yield* repo.transaction(
        Effect.gen(function*() {
          const found = yield* redemptions.find(redemptionId, true)
          if (Option.isNone(found)) return yield* Effect.dieMessage(`Vouchers.recordCycle: no such redemption ${redemptionId}`)
          const redemption = found.value
          if (redemption.status === "exhausted") return
          const voucher = yield* repo.find(redemption.voucher)
          const cycles = Option.match(voucher, { onNone: () => 1, onSome: cyclesOf })
          const cyclesUsed = redemption.cyclesUsed + 1
          const status = cycles !== null && cyclesUsed >= cycles ? "exhausted" as const : "active" as const
          yield* redemptions.update({ ...redemption, cyclesUsed, status }).pipe(Effect.orDie)
        })
      )
    })

    return { create, get, update, list, redeem, listRedemptions, activeDiscounts, recordCycle } as const
  }),
  dependencies: [Customers.Default]
}) {}
