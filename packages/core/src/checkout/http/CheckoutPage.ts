/**
 * The hosted checkout page, at `<mount>/checkout/<token>`: the order (lines, discount, tax, total
 * in the session's currency and locale), the buyer's email, a voucher code (totals update in
 * place, or on "Apply" without script), the card through the active provider's collector, and
 * "Pay". Paying goes through `Checkout.complete`; the buyer lands on `success_url`.
 */
import { Effect } from "effect"
import { Checkout, lineAmount, type Quote } from "../Checkout.js"
import type { StoredCheckoutSession } from "../domain/CheckoutSession.js"
import { type CardCollector, fakeCardCollector } from "./CardCollection.js"
import { branding, type Branding, document, html, htmlResponse, jsonResponse, messagePage, readForm, redirect } from "../../http/Page.js"
import { formatMoney } from "../../kernel/Money.js"
import { readPageToken } from "../../kernel/PageTokens.js"
import { CurrentTenant } from "../../kernel/Tenancy.js"
import { TestClocks } from "../../operations/index.js"
import { BigDecimal } from "effect"

const per: Record<string, string> = { week: "week", month: "month", year: "year" }

const successTarget = (session: StoredCheckoutSession) => session.successUrl.replaceAll("{CHECKOUT_SESSION_ID}", session.id)

/** The totals as the page shows them, formatted for the session's locale. */
const formattedQuote = (session: StoredCheckoutSession, quote: Quote) => {
  const money = (amount: number) => formatMoney(amount, session.currency, session.locale)
  return {
    subTotal: money(quote.totals.subTotal),
    discount: quote.totals.discountTotal === 0 ? null : money(-quote.totals.discountTotal),
    tax: money(quote.totals.taxTotal),
    total: money(quote.totals.total),
    voucher: quote.voucher,
    voucherProblem: quote.voucherProblem
  }
}

// Apply the voucher without leaving the page: ask for the quote, update the totals in place.
const voucherScript = `
(function(){var b=document.getElementById("apply");if(!b||!window.fetch)return;
b.addEventListener("click",function(e){e.preventDefault();var v=document.getElementById("voucher").value;
fetch(location.pathname+"/quote?voucher="+encodeURIComponent(v),{headers:{accept:"application/json"}}).then(function(r){return r.json()}).then(function(q){
document.getElementById("t-sub").textContent=q.subTotal;document.getElementById("t-tax").textContent=q.tax;
document.getElementById("t-total").textContent=q.total;document.getElementById("pay").textContent="Pay "+q.total;
var d=document.getElementById("r-discount");d.hidden=q.discount===null;document.getElementById("t-discount").textContent=q.discount||"";
document.getElementById("t-code").textContent=q.voucher||"";
var s=document.getElementById("voucher-status");s.textContent=q.voucherProblem||(q.voucher?"Code "+q.voucher+" applied.":"");
s.className=q.voucherProblem?"notice error":(q.voucher?"notice ok":"");})});})();
`

const renderCheckout = (
  brand: Branding,
  session: StoredCheckoutSession,
  quote: Quote,
  card: CardCollector,
  form: { readonly email: string; readonly voucher: string; readonly error: string | null }
) => {
  const money = (amount: number) => formatMoney(amount, session.currency, session.locale)
  const shown = formattedQuote(session, quote)
  const taxRate = BigDecimal.format(BigDecimal.normalize(session.taxRate))
  const lines = session.lines.map((line) => {
    const amount = lineAmount(line)
    const each = `${money(line.unitAmount)} / ${per[line.interval] ?? line.interval}`
    return html`<tr><td>${line.description}<div class="muted">${line.perSeat && line.seats > 1 ? `${line.seats} seats × ${each}` : each}${line.trialDays > 0 ? html`<br>${line.trialDays}-day free trial, first charge after it` : ""}</div></td>
<td class="num">${line.trialDays > 0 ? money(0) : money(amount)}</td></tr>`
  })
  const body = html`<h1>Checkout</h1>
<section class="card" aria-labelledby="summary-h"><h2 id="summary-h">Order summary</h2>
<table><thead><tr><th scope="col">Item</th><th scope="col" class="num">Due today</th></tr></thead><tbody>${lines}
<tr><td>Subtotal</td><td class="num" id="t-sub">${shown.subTotal}</td></tr>
<tr id="r-discount"${shown.discount === null ? html` hidden` : ""}><td>Discount <span id="t-code">${shown.voucher ?? ""}</span></td><td class="num" id="t-discount">${shown.discount ?? ""}</td></tr>
<tr><td>Tax (${taxRate} %)</td><td class="num" id="t-tax">${shown.tax}</td></tr>
<tr class="total"><td>Total due today</td><td class="num" id="t-total">${shown.total}</td></tr>
</tbody></table></section>
<form method="post" class="card" aria-labelledby="pay-h" novalidate>
<h2 id="pay-h">Your details</h2>
${form.error === null ? "" : html`<div class="notice error" role="alert">${form.error}</div>`}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${form.email}">
<div class="row"><div class="grow"><label for="voucher">Voucher code</label>
<input id="voucher" name="voucher" type="text" autocomplete="off" value="${form.voucher}"></div>
<button id="apply" type="submit" name="intent" value="apply">Apply</button></div>
<p id="voucher-status" role="status" aria-live="polite" class="${shown.voucherProblem !== null ? "notice error" : shown.voucher !== null ? "notice ok" : ""}">${shown.voucherProblem ?? (shown.voucher === null ? "" : `Code ${shown.voucher} applied.`)}</p>
${card.fields()}
<button id="pay" class="primary" type="submit" name="intent" value="pay">Pay ${shown.total}</button>
<p class="muted"><a href="${session.cancelUrl}">Cancel and return</a></p>
</form>`
  return document(brand, { title: "Checkout", width: "narrow", script: voucherScript + (card.script ?? "") }, body, session.locale)
}

const processingPage = (brand: Branding) =>
  htmlResponse(document(brand, { title: "Processing payment", width: "narrow", script: "setTimeout(function(){location.reload()},1500)" },
    html`<h1>Processing your payment…</h1><div class="card" role="status"><p>This page refreshes by itself.</p></div>`))

const completePage = (brand: Branding, session: StoredCheckoutSession) =>
  htmlResponse(document(brand, { title: "Payment complete", width: "narrow" },
    html`<h1>Thank you</h1><div class="card"><p class="notice ok" role="status">Your payment is complete.</p><p><a class="button primary" href="${successTarget(session)}">Continue</a></p></div>`))

/**
 * Serves `<mount>/checkout/<rest>`. The token in the path names the tenant and the session; an
 * unknown, malformed or expired one gets a plain page that reveals nothing else.
 */
export const checkoutPage = (request: Request, rest: string) =>
  Effect.gen(function*() {
    const brand = yield* branding
    const [token, action] = rest.split("/")
    const read = yield* readPageToken(token ?? "")
    const notFound = messagePage(brand, "Checkout not found", "This checkout link is not valid. Ask the seller for a new one.", 404)
    if (read === null || (action !== undefined && action !== "quote")) return notFound
    const checkout = yield* Checkout
    const clocks = yield* TestClocks
    const scoped = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      clocks.withTenantClock(effect).pipe(Effect.provideService(CurrentTenant, read.tenant))
    const card = fakeCardCollector

    return yield* scoped(Effect.gen(function*() {
      const session = yield* checkout.byTokenHash(read.hash)
      if (session.status === "expired") return messagePage(brand, "Checkout expired", "This checkout has expired. Start again from the seller's site.", 410)

      if (action === "quote") {
        const voucher = new URL(request.url).searchParams.get("voucher")
        return jsonResponse(formattedQuote(session, yield* checkout.quote(session, voucher)))
      }
      if (request.method === "GET" || request.method === "HEAD") {
        if (session.status === "complete") return completePage(brand, session)
        if (session.status === "processing") return processingPage(brand)
        return htmlResponse(renderCheckout(brand, session, yield* checkout.quote(session, null), card, { email: session.email ?? "", voucher: "", error: null }))
      }
      if (request.method !== "POST") return new Response(null, { status: 405, headers: { allow: "GET, POST" } })

      if (session.status === "complete") return redirect(successTarget(session))
      if (session.status === "processing") return processingPage(brand)
      const form = yield* Effect.promise(() => readForm(request))
      const email = (form.get("email") ?? "").trim()
      const voucher = (form.get("voucher") ?? "").trim()
      const again = (error: string | null, status = 422) =>
        Effect.map(checkout.quote(session, voucher === "" ? null : voucher), (quote) =>
          htmlResponse(renderCheckout(brand, session, quote, card, { email, voucher, error }), error === null ? 200 : status))
      if (form.get("intent") === "apply") return yield* again(null)

      const cardToken = card.tokenFrom(form)
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return yield* again("Enter a valid email address.")
      if (cardToken === null) return yield* again("Choose a card.")
      const outcome = yield* checkout.complete(session.id, { email, voucher: voucher === "" ? undefined : voucher, cardToken }).pipe(Effect.either)
      if (outcome._tag === "Left") return yield* again(outcome.left.message)
      if (outcome.right.status === "complete") return redirect(successTarget(outcome.right))
      return processingPage(brand)
    }).pipe(Effect.catchTag("NotFound", () => Effect.succeed(notFound))))
  })
