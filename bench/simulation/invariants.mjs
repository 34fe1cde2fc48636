// The invariants the simulation checks after every period, on what the storage holds (wire
// JSON, snake_case). Each broken one is recorded as a violation, never thrown: a run reports all
// of them. Written independently of core's own checks, so a bug there cannot hide here.

const ms = (iso) => Date.parse(iso)
const sum = (lines, key) => lines.reduce((a, l) => a + l[key], 0)

/** Totals of one invoice: lines add up, and what is due follows from the balance applied. */
export const totalsViolation = (inv) => {
  for (const [i, l] of inv.lines.entries()) {
    if (l.sub_total - l.discount + l.tax_total !== l.total) return `line ${i}: sub_total − discount + tax_total ≠ total`
  }
  if (sum(inv.lines, "total") !== inv.total) return "total ≠ Σ line totals"
  if (sum(inv.lines, "sub_total") !== inv.sub_total) return "sub_total ≠ Σ line sub_totals"
  if (sum(inv.lines, "tax_total") !== inv.tax_total) return "tax_total ≠ Σ line taxes"
  if (sum(inv.lines, "discount") !== inv.discount_total) return "discount_total ≠ Σ line discounts"
  if (inv.sub_total - inv.discount_total + inv.tax_total !== inv.total) return "total ≠ sub_total − discount_total + tax_total"
  // A negative total goes to the balance; otherwise the balance pays first and the rest is due.
  const due = inv.total < 0 ? 0 : inv.total - inv.balance_applied
  if (inv.amount_due !== due) return `amount_due ${inv.amount_due} ≠ total − balance_applied (${due})`
  if (inv.amount_paid > inv.amount_due) return `amount_paid ${inv.amount_paid} > amount_due ${inv.amount_due}`
  if (inv.status === "paid" && inv.amount_remaining !== 0) return "paid with an amount remaining"
  return null
}

export const makeChecker = () => {
  /** Per subscription: where its last billed regular period ended (ms). */
  const lastEnd = new Map()
  /** Per subscription: the instant a new cycle legitimately starts (interval change, resume). */
  const restarts = new Map()
  /** Per number sequence (prefix): which numbers were seen. */
  const sequences = new Map()
  /** Invoices seen without a number yet: looked at again until they get one. */
  const drafts = new Set()
  /** Per payment: what its refunds (pending or succeeded) add up to. */
  const refunded = new Map()
  const seenRefunds = new Set()
  const violations = []
  const violation = (at, what, detail) => {
    if (violations.length < 1000) violations.push({ at: new Date(at).toISOString(), what, detail })
  }
  let invoicesChecked = 0

  const number = (inv, at) => {
    const m = /^(.*?)(\d+)$/.exec(inv.number)
    if (m === null) return violation(at, "numbers", `${inv.number} is not a sequence number`)
    const [, prefix, digits] = m
    const n = Number(digits)
    let seq = sequences.get(prefix)
    if (seq === undefined) sequences.set(prefix, (seq = { seen: new Uint8Array(1024), max: 0, count: 0 }))
    if (n >= seq.seen.length) {
      const grown = new Uint8Array(Math.max(n + 1, seq.seen.length * 2))
      grown.set(seq.seen)
      seq.seen = grown
    }
    if (seq.seen[n] === 1) return violation(at, "numbers", `${inv.number} issued twice`)
    seq.seen[n] = 1
    seq.max = Math.max(seq.max, n)
    seq.count++
  }

  /** One invoice, in creation order: totals, numbering, and how its period lines tile time. */
  const invoice = (inv, at) => {
    invoicesChecked++
    const bad = totalsViolation(inv)
    if (bad !== null) violation(at, "totals", `${inv.id}: ${bad}`)
    if (inv.number === null) {
      if (inv.status === "draft") drafts.add(inv.id)
    } else number(inv, at)
    for (const line of inv.lines) {
      if (line.type !== "subscription" || line.subscription === null || line.period === null) continue
      const sub = line.subscription
      const start = ms(line.period.start)
      const end = ms(line.period.end)
      const previous = lastEnd.get(sub)
      const restart = restarts.get(sub)
      if (previous === undefined || start === previous) {
        // Tiles: this period starts where the last one ended.
      } else if (restart !== undefined && start === restart) {
        // A new cycle (interval change, resume) from the instant of the change: what was paid for
        // the rest of the old period is credited by a proration line, not billed twice.
        restarts.delete(sub)
      } else if (start < previous) {
        violation(at, "periods", `${sub}: ${line.period.start} billed twice (previous period ended ${new Date(previous).toISOString()})`)
      } else {
        violation(at, "periods", `${sub}: ${new Date(previous).toISOString()} – ${line.period.start} skipped`)
      }
      if (restart !== undefined && start > restart) restarts.delete(sub)
      lastEnd.set(sub, end)
    }
  }

  /** Drafts seen earlier that have been numbered since. */
  const numberedSince = (current, at) => {
    if (current.number === null) return
    drafts.delete(current.id)
    number(current, at)
  }

  /** A refund: with every other refund of its payment, never more than the payment took. */
  const refund = (r, payment, at) => {
    if (seenRefunds.has(r.id)) return
    seenRefunds.add(r.id)
    if (r.status === "failed") return
    const total = (refunded.get(r.payment) ?? 0) + r.amount
    refunded.set(r.payment, total)
    if (payment === undefined) return violation(at, "refunds", `${r.id}: payment ${r.payment} missing`)
    if (payment.status !== "succeeded") violation(at, "refunds", `${r.id}: refunds a ${payment.status} payment`)
    if (total > payment.amount) violation(at, "refunds", `${r.payment}: refunded ${total} of ${payment.amount}`)
    if (payment.amount_refunded > payment.amount) violation(at, "refunds", `${r.payment}: amount_refunded ${payment.amount_refunded} > ${payment.amount}`)
  }

  /** Every live subscription's current period is billed: no period skipped. */
  const subscription = (s, at) => {
    if (s.status !== "active" && s.status !== "past_due") return
    if (s.paused_at !== null) return
    const end = lastEnd.get(s.id)
    // The loop has done all work due up to `at`: a live period that ended by then was not renewed.
    if (ms(s.current_period_end) <= at) violation(at, "periods", `${s.id} (${s.status}): its period ended ${s.current_period_end} and was not renewed`)
    if (end !== ms(s.current_period_end)) {
      violation(at, "periods", `${s.id} (${s.status}): current period ends ${s.current_period_end}, last billed period ends ${end === undefined ? "never" : new Date(end).toISOString()}`)
    }
  }

  /** After a period: every sequence is 1…max with no gap. */
  const gapless = (at) => {
    for (const [prefix, seq] of sequences) {
      if (seq.count !== seq.max) violation(at, "numbers", `${prefix}: ${seq.count} numbers issued, highest ${seq.max}`)
    }
  }

  return {
    invoice,
    numberedSince,
    refund,
    subscription,
    gapless,
    drafts,
    /** The next regular period of `sub` starts at `at`, not where the last one ended. */
    restartAt: (sub, at) => restarts.set(sub, at),
    violations,
    stats: () => ({ invoicesChecked, refundedPayments: refunded.size, sequences: Object.fromEntries([...sequences].map(([p, s]) => [p, s.max])) })
  }
}
