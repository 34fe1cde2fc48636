/**
 * The customer portal page, at `<mount>/portal/<token>`: one customer's subscriptions (plan,
 * seats, next invoice), plan changes with their proration preview before confirming, seats,
 * cancel at period end and resume, invoices with their PDFs, payment methods, balance and this
 * period's usage costs. Every change is a form carrying the session's CSRF token and goes through
 * the same services as REST; the answer is a 303 back to the page, with a notice.
 */
import { Effect, Option } from "effect"
import { Plans } from "../../catalog/index.js"
import { Balances } from "../../balances/index.js"
import { Customers } from "../../customers/index.js"
import { Invoices, invoicePdfOf } from "../../invoicing/index.js"
import { fakeTokens, PaymentMethods } from "../../payments/index.js"
import { Subscriptions } from "../../subscriptions/index.js"
import { Usage } from "../../usage/index.js"
import { TestClocks } from "../../operations/index.js"
import { branding, type Branding, document, html, type Html, htmlResponse, messagePage, readForm, redirect, sameSecret } from "../../http/Page.js"
import { defaultPage } from "../../kernel/Page.js"
import { formatMoney } from "../../kernel/Money.js"
import { readPageToken } from "../../kernel/PageTokens.js"
import { CurrentTenant } from "../../kernel/Tenancy.js"
import { Portal, type PlanChangePreview } from "../Portal.js"
import type { StoredPortalSession } from "../domain/PortalSession.js"

const notices: Record<string, string> = {
  plan: "Your plan was changed.",
  seats: "Your seats were updated.",
  canceled: "Your subscription will end at the end of the period.",
  resumed: "Your subscription continues.",
  card_added: "Card added.",
  card_removed: "Card removed.",
  card_default: "Default card changed."
}

const date = (iso: string | null, locale: string) => {
  if (iso === null) return ""
  try {
    return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeZone: "UTC" }).format(new Date(iso))
  } catch {
    return iso.slice(0, 10)
  }
}

const csrfField = (session: StoredPortalSession) => html`<input type="hidden" name="csrf" value="${session.csrfToken}">`

/** Everything the page shows, read through the services. */
const gather = (session: StoredPortalSession) =>
  Effect.gen(function*() {
    const customer = yield* Effect.flatMap(Customers, (c) => c.get(session.customer))
    const subscriptions = yield* Subscriptions
    const plans = yield* Plans
    const subs = (yield* subscriptions.list({ ...defaultPage, limit: 20 }, { customer: customer.id })).data
      .filter((s) => s.status !== "canceled")
    const withDetails = yield* Effect.forEach(subs, (s) =>
      Effect.gen(function*() {
        const plan = yield* plans.get(s.plan).pipe(Effect.option)
        const upcoming = yield* subscriptions.upcomingInvoice(s.id).pipe(Effect.option)
        return { sub: s, planName: Option.match(plan, { onNone: () => s.plan, onSome: (p) => p.name }), upcoming: Option.getOrNull(upcoming) }
      }))
    const publicPlans = (yield* plans.list({ ...defaultPage, limit: 50 }, { onlyPublic: true })).data
    const invoices = (yield* Effect.flatMap(Invoices, (i) => i.list({ ...defaultPage, limit: 24 }, { customer: customer.id }))).data
      .filter((i) => i.status !== "draft")
    const methods = (yield* Effect.flatMap(PaymentMethods, (p) => p.list(customer.id, { ...defaultPage, limit: 20 }))).data
      .filter((m) => m.status === "active")
    const balance = yield* Effect.flatMap(Balances, (b) => b.forCustomer(customer.id))
    const costs = yield* Effect.flatMap(Usage, (u) => u.costs(customer.id)).pipe(Effect.option)
    return { customer, subs: withDetails, publicPlans, invoices, methods, balance, costs: Option.getOrNull(costs) }
  })

type View = Effect.Effect.Success<ReturnType<typeof gather>>

const renderPortal = (
  brand: Branding,
  session: StoredPortalSession,
  token: string,
  view: View,
  extra: { readonly notice: string | null; readonly error: string | null; readonly preview: PlanChangePreview | null }
): string => {
  const locale = view.customer.locale
  const money = (amount: number, currency: string) => formatMoney(amount, currency, locale)
  const base = `./${token}`
  const planName = (id: string) => view.publicPlans.find((p) => p.id === id)?.name ?? id
  const form = (action: string, fields: Html, button: Html, options: { readonly label?: string; readonly confirm?: string } = {}) =>
    html`<form method="post" action="${base}" class="inline"${options.label === undefined ? "" : html` aria-label="${options.label}"`}>${csrfField(session)}<input type="hidden" name="action" value="${action}">${fields}${button}</form>`

  const subscriptionCards = view.subs.length === 0
    ? html`<p>You have no subscriptions.</p>`
    : view.subs.map(({ sub, planName: name, upcoming }) => {
      const others = view.publicPlans.filter((p) => p.id !== sub.plan)
      const previewing = extra.preview !== null && extra.preview.subscription === sub.id ? extra.preview : null
      return html`<article class="card" aria-labelledby="sub-${sub.id}">
<h3 id="sub-${sub.id}">${name} <span class="badge ${sub.status}">${sub.status.replace("_", " ")}</span></h3>
<p>${sub.seats} ${sub.seats === 1 ? "seat" : "seats"} · renews ${sub.cancelAtPeriodEnd ? html`<strong>no: ends ${date(sub.currentPeriodEnd, locale)}</strong>` : date(sub.currentPeriodEnd, locale)}</p>
${upcoming === null ? "" : html`<p class="muted">Next invoice: ${money(upcoming.amountDue, upcoming.currency)} on ${date(sub.currentPeriodEnd, locale)}</p>`}
${previewing === null ? "" : html`<div class="notice ok" role="status" id="preview"><p><strong>Switch to ${planName(previewing.toPlan)}</strong>: ${money(previewing.recurring, previewing.currency)} per ${previewing.interval} from now on.
${previewing.prorated >= 0 ? html`For the rest of this period: ${money(previewing.prorated, previewing.currency)} more, added to your next invoice.` : html`For the rest of this period: a credit of ${money(-previewing.prorated, previewing.currency)} on your next invoice.`} (before tax)</p>
<div class="actions">${form("change_plan", html`<input type="hidden" name="subscription" value="${sub.id}"><input type="hidden" name="plan" value="${previewing.toPlan}">`, html`<button type="submit" class="primary" style="width:auto;margin:0">Confirm change</button>`)}
<a class="button" href="${base}">Keep my plan</a></div></div>`}
<div class="actions">
${others.length === 0 || sub.cancelAtPeriodEnd ? "" : form("preview_plan", html`<input type="hidden" name="subscription" value="${sub.id}"><label for="plan-${sub.id}" class="sr-only">New plan</label><select id="plan-${sub.id}" name="plan">${others.map((p) => html`<option value="${p.id}">${p.name}</option>`)}</select> `, html`<button type="submit">Preview plan change</button>`, { label: `Change plan of ${name}` })}
${form("seats", html`<input type="hidden" name="subscription" value="${sub.id}"><label for="seats-${sub.id}" class="sr-only">Seats</label><input id="seats-${sub.id}" name="seats" type="number" min="1" max="10000" value="${sub.seats}" style="width:6rem"> `, html`<button type="submit">Update seats</button>`, { label: `Seats of ${name}` })}
${sub.cancelAtPeriodEnd
  ? form("resume", html`<input type="hidden" name="subscription" value="${sub.id}">`, html`<button type="submit">Resume subscription</button>`)
  : form("cancel", html`<input type="hidden" name="subscription" value="${sub.id}">`, html`<button type="submit" class="danger" data-confirm="Cancel at the end of the period?">Cancel at period end</button>`)}
</div></article>`
    })

  const invoiceRows = view.invoices.map((i) => html`<tr><td>${i.number ?? i.id}</td><td>${date(i.finalizedAt ?? i.createdAt, locale)}</td>
<td><span class="badge ${i.status}">${i.status}</span></td><td class="num">${money(i.total, i.currency)}</td>
<td><a href="${base}/invoices/${i.id}/pdf" download="${`${i.number ?? i.id}.pdf`}">PDF<span class="sr-only"> of invoice ${i.number ?? i.id}</span></a></td></tr>`)

  const cards = view.methods.map((m) => html`<li>${m.brand} •••• ${m.last4} ${m.isDefault ? html`<span class="badge active">default</span>` : ""}
<div class="actions">${m.isDefault ? "" : form("card_default", html`<input type="hidden" name="payment_method" value="${m.id}">`, html`<button type="submit">Make default</button>`, { label: `Make ${m.brand} default` })}
${form("card_remove", html`<input type="hidden" name="payment_method" value="${m.id}">`, html`<button type="submit" class="danger" data-confirm="Remove this card?">Remove</button>`, { label: `Remove ${m.brand}` })}</div></li>`)

  const body = html`<h1>Your billing</h1>
${extra.notice === null ? "" : html`<div class="notice ok" role="status">${extra.notice}</div>`}
${extra.error === null ? "" : html`<div class="notice error" role="alert">${extra.error}</div>`}
<p class="muted">Signed in as ${view.customer.email}${session.returnUrl === null ? "" : html` · <a href="${session.returnUrl}">Back</a>`}</p>
<section aria-labelledby="subs-h"><h2 id="subs-h">Subscriptions</h2>${subscriptionCards}</section>
<div class="grid two">
<section class="card" aria-labelledby="inv-h"><h2 id="inv-h">Invoices</h2>
${view.invoices.length === 0 ? html`<p>No invoices yet.</p>` : html`<table><thead><tr><th scope="col">Number</th><th scope="col">Date</th><th scope="col">Status</th><th scope="col" class="num">Total</th><th scope="col"><span class="sr-only">Download</span></th></tr></thead><tbody>${invoiceRows}</tbody></table>`}
</section>
<section class="card" aria-labelledby="pm-h"><h2 id="pm-h">Payment methods</h2>
${view.methods.length === 0 ? html`<p>No card on file.</p>` : html`<ul>${cards}</ul>`}
${form("card_add", html`<label for="new-card">Add a test card</label><select id="new-card" name="card_token">${Object.entries(fakeTokens).filter(([, c]) => c.behaviour === "succeeds").map(([t, c]) => html`<option value="${t}">${c.brand} •••• ${c.last4}</option>`)}</select> `, html`<button type="submit" style="margin-top:.5rem">Add card</button>`)}
</section>
<section class="card" aria-labelledby="bal-h"><h2 id="bal-h">Balance</h2>
${view.balance.balances.length === 0 ? html`<p>No credit or debt.</p>` : html`<ul>${view.balance.balances.map((b) => html`<li>${b.amount >= 0 ? "Credit" : "Owed"}: ${money(Math.abs(b.amount), b.currency)}</li>`)}</ul>`}
</section>
<section class="card" aria-labelledby="use-h"><h2 id="use-h">Usage this period</h2>
${view.costs === null || view.costs.lines.length === 0 ? html`<p>No metered usage this period.</p>` : html`<table><thead><tr><th scope="col">Metric</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Cost</th></tr></thead><tbody>
${view.costs.lines.map((l) => html`<tr><td>${l.code}</td><td class="num">${l.quantity}</td><td class="num">${money(l.amount, l.currency)}</td></tr>`)}
${view.costs.totals.map((t) => html`<tr class="total"><td>Total</td><td></td><td class="num">${money(t.amount, t.currency)}</td></tr>`)}</tbody></table>`}
</section>
</div>`
  return document(brand, { title: "Billing", width: "wide" }, body, locale)
}

/** Runs one form action for the session's customer; answers the notice key, or fails with what to tell them. */
const act = (session: StoredPortalSession, form: URLSearchParams) =>
  Effect.gen(function*() {
    const subscriptions = yield* Subscriptions
    const portal = yield* Portal
    const methods = yield* PaymentMethods
    const customer = session.customer
    const ownSubscription = Effect.gen(function*() {
      const id = form.get("subscription") ?? ""
      const s = yield* subscriptions.get(id)
      if (s.customer !== customer) return yield* Effect.fail({ _tag: "Refused" as const, message: "That is not your subscription." })
      return s
    })
    switch (form.get("action")) {
      case "preview_plan": {
        const s = yield* ownSubscription
        return { preview: { subscription: s.id, plan: form.get("plan") ?? "" } }
      }
      case "change_plan": {
        const s = yield* ownSubscription
        const { plan, price } = yield* portal.targetPrice(form.get("plan") ?? "", s.currency, s.interval)
        yield* subscriptions.changePlan(s.id, { plan: plan.id, price: price.id, when: "instantly", proration: "create_prorations" })
        return { notice: "plan" }
      }
      case "seats": {
        const s = yield* ownSubscription
        const seats = Number(form.get("seats"))
        if (!Number.isInteger(seats) || seats < 1 || seats > 10_000) return yield* Effect.fail({ _tag: "Refused" as const, message: "Seats must be a whole number from 1 to 10000." })
        if (seats > s.seats) yield* subscriptions.addSeats(s.id, { seats: seats - s.seats })
        if (seats < s.seats) yield* subscriptions.removeSeats(s.id, { seats: s.seats - seats })
        return { notice: "seats" }
      }
      case "cancel": {
        const s = yield* ownSubscription
        yield* subscriptions.cancel(s.id, { when: "end_of_period" })
        return { notice: "canceled" }
      }
      case "resume": {
        const s = yield* ownSubscription
        yield* subscriptions.resume(s.id)
        return { notice: "resumed" }
      }
      case "card_add":
        yield* methods.attach(customer, form.get("card_token") ?? "")
        return { notice: "card_added" }
      case "card_remove":
        yield* methods.detach(customer, form.get("payment_method") ?? "")
        return { notice: "card_removed" }
      case "card_default":
        yield* methods.setDefault(customer, form.get("payment_method") ?? "")
        return { notice: "card_default" }
      default:
        return yield* Effect.fail({ _tag: "Refused" as const, message: "Unknown action." })
    }
  })

/** Serves `<mount>/portal/<rest>`. */
export const portalPage = (request: Request, rest: string) =>
  Effect.gen(function*() {
    const brand = yield* branding
    const [token, ...tail] = rest.split("/")
    const read = yield* readPageToken(token ?? "")
    const refused = messagePage(brand, "Link expired", "This billing link is not valid or has expired. Ask for a new one.", 404)
    if (read === null) return refused
    const portal = yield* Portal
    const clocks = yield* TestClocks
    const scoped = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      clocks.withTenantClock(effect).pipe(Effect.provideService(CurrentTenant, read.tenant))
    return yield* scoped(Effect.gen(function*() {
      const session = yield* portal.byTokenHash(read.hash)
      const url = new URL(request.url)

      // Invoice PDFs: /portal/<token>/invoices/<id>/pdf, this customer's invoices only.
      if (tail.length === 3 && tail[0] === "invoices" && tail[2] === "pdf") {
        const invoice = yield* Effect.flatMap(Invoices, (i) => i.get(tail[1]))
        if (invoice.customer !== session.customer) return refused
        const pdf = yield* invoicePdfOf(invoice.id)
        return new Response(pdf as Uint8Array<ArrayBuffer>, {
          headers: {
            "content-type": "application/pdf",
            "content-disposition": `attachment; filename="${(invoice.number ?? invoice.id).replace(/[^A-Za-z0-9_-]/g, "_")}.pdf"`,
            "cache-control": "no-store"
          }
        })
      }
      if (tail.length > 0) return refused

      if (request.method === "POST") {
        const form = yield* Effect.promise(() => readForm(request))
        // The CSRF token is bound to this session; a form posted from elsewhere does not have it.
        if (!sameSecret(form.get("csrf") ?? "", session.csrfToken)) {
          return messagePage(brand, "Form expired", "This form could not be accepted. Reload the page and try again.", 403)
        }
        const outcome = yield* act(session, form).pipe(Effect.either)
        if (outcome._tag === "Right") {
          const next = "preview" in outcome.right && outcome.right.preview !== undefined
            ? `?preview=${encodeURIComponent(outcome.right.preview.subscription)}&plan=${encodeURIComponent(outcome.right.preview.plan)}#preview`
            : `?done=${outcome.right.notice}`
          return redirect(`./${token}${next}`)
        }
        const error = outcome.left as { readonly message?: unknown }
        const message = typeof error.message === "string" ? error.message : "That did not work."
        return htmlResponse(renderPortal(brand, session, token!, yield* gather(session), { notice: null, error: message, preview: null }), 422)
      }

      const previewOf = url.searchParams.get("preview")
      const preview = previewOf === null
        ? null
        : yield* portal.previewPlanChange(session.customer, previewOf, url.searchParams.get("plan") ?? "").pipe(Effect.orElseSucceed(() => null))
      const done = url.searchParams.get("done")
      return htmlResponse(renderPortal(brand, session, token!, yield* gather(session), {
        notice: done !== null && Object.hasOwn(notices, done) ? notices[done] : null,
        error: previewOf !== null && preview === null ? "That plan change is not available." : null,
        preview
      }))
    }).pipe(Effect.catchTags({ NotFound: () => Effect.succeed(refused), Invalid: () => Effect.succeed(refused) })))
  })
