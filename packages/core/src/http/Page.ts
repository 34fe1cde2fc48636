/**
 * The chrome every hosted page shares (checkout, customer portal): the HTML document, its CSS and
 * its few lines of script, all served inline from this package (no CDN, no web fonts, so the
 * pages work offline and under a strict CSP with a nonce), HTML escaping, form reading and the
 * small responses a page answers with.
 */
import type { HttpServerRequest } from "@effect/platform"
import { BillingConfig } from "../kernel/BillingConfig.js"
import { PagesConfig, type PagesSettings } from "../kernel/PageTokens.js"
import { Effect } from "effect"

const entities: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }

/** Escapes text for HTML content and attribute values. */
export const esc = (value: unknown): string => String(value ?? "").replace(/[&<>"']/g, (c) => entities[c])

/** A trusted HTML fragment (already escaped). */
export interface Html {
  readonly html: string
}
/** Tagged template: interpolated values are escaped unless they are `Html` (or arrays of it). */
export const html = (strings: TemplateStringsArray, ...values: ReadonlyArray<unknown>): Html => ({
  html: strings.reduce((out, s, i) => {
    if (i === 0) return s
    const v = values[i - 1]
    const piece = Array.isArray(v)
      ? v.map((x) => (typeof x === "object" && x !== null && "html" in x ? (x as Html).html : esc(x))).join("")
      : typeof v === "object" && v !== null && "html" in v
      ? (v as Html).html
      : v === null || v === undefined || v === false
      ? ""
      : esc(v)
    return out + piece + s
  }, "")
})

/** The origin the browser used for this request (for absolute page URLs without `publicUrl`). */
export const requestOrigin = (request: HttpServerRequest.HttpServerRequest): string => {
  if (request.source instanceof Request) return new URL(request.source.url).origin
  return `http://${request.headers["host"] ?? "localhost"}`
}

const css = (accent: string) => `
:root{--accent:${accent};--ink:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#f3f4f6;--ok:#047857;--bad:#b91c1c}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg)}
header.top{background:#fff;border-bottom:1px solid var(--line)}
header.top .in{display:flex;align-items:center;gap:.75rem;max-width:var(--w,960px);margin:0 auto;padding:.75rem 1rem}
header.top img{max-height:32px;max-width:140px}
header.top .brand{font-weight:700;font-size:1.1rem}
main{max-width:var(--w,960px);margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}
h2{font-size:1.15rem;margin:0 0 .75rem}
.card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:1rem;margin:0 0 1rem}
.grid{display:grid;gap:1rem;grid-template-columns:1fr}
@media (min-width:800px){.grid.two{grid-template-columns:1fr 1fr}}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:.45rem .25rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.03em}
td.num,th.num{text-align:right;white-space:nowrap}
tr.total td{font-weight:700;border-bottom:none;font-size:1.05rem}
.muted{color:var(--muted);font-size:.9rem}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=email],input[type=text],input[type=number],select{width:100%;font:inherit;padding:.55rem .6rem;border:1px solid #6b7280;border-radius:6px;background:#fff;color:var(--ink)}
fieldset{border:1px solid var(--line);border-radius:8px;margin:.75rem 0;padding:.5rem .75rem}
legend{font-weight:600;padding:0 .25rem}
fieldset label{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.35rem 0}
.row{display:flex;gap:.5rem;align-items:flex-end;flex-wrap:wrap}
.row>.grow{flex:1 1 12rem}
button,.button{display:inline-block;font:inherit;font-weight:600;border:1px solid var(--accent);border-radius:6px;padding:.55rem 1rem;cursor:pointer;text-decoration:none;background:#fff;color:var(--accent)}
button.primary,.button.primary{background:var(--accent);color:#fff;width:100%;padding:.75rem 1rem;margin-top:1rem}
button.danger{border-color:var(--bad);color:var(--bad)}
button:focus-visible,a:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
a{color:var(--accent)}
.notice{border-radius:8px;padding:.75rem 1rem;margin:0 0 1rem;border:1px solid}
.notice.error{background:#fef2f2;border-color:#fecaca;color:var(--bad)}
.notice.ok{background:#ecfdf5;border-color:#a7f3d0;color:var(--ok)}
.badge{display:inline-block;font-size:.8rem;font-weight:600;border-radius:999px;padding:.05rem .55rem;background:#e5e7eb;color:#374151}
.badge.active,.badge.paid{background:#d1fae5;color:#065f46}
.badge.open,.badge.trialing{background:#dbeafe;color:#1e40af}
.badge.canceled,.badge.void,.badge.past_due,.badge.unpaid{background:#fee2e2;color:#991b1b}
.inline{display:inline}
.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin-top:.5rem}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}
`

/**
 * The script every page gets: a form is submitted once (a double click sends one request; the
 * server refuses a second one anyway), and `data-confirm` buttons ask first.
 */
const script = `
document.addEventListener("submit",function(e){var f=e.target;if(f.dataset.sent){e.preventDefault();return}
var b=e.submitter;if(b&&b.dataset.confirm&&!window.confirm(b.dataset.confirm)){e.preventDefault();return}
if(!f.hasAttribute("data-repeatable")){f.dataset.sent="1";f.setAttribute("aria-busy","true")}});
`

export interface PageChrome {
  readonly title: string
  /** Content width: narrow (checkout) or wide (portal). */
  readonly width?: "narrow" | "wide"
  /** Extra script for this page (served inline, after the shared one). */
  readonly script?: string
}

export interface Branding {
  readonly name: string
  readonly accent: string
  readonly logoUrl: string | null
}

/** The brand the pages show: `billkit({ pages })`, else the seller's name. */
export const branding = Effect.gen(function*() {
  const pages: PagesSettings = yield* PagesConfig
  const { seller } = yield* BillingConfig
  return {
    name: pages.branding.brandName ?? seller?.name ?? "Billing",
    accent: pages.branding.accentColor ?? "#4338ca",
    logoUrl: pages.branding.logoUrl ?? null
  } satisfies Branding
})

/** A whole page: header with the brand, then `body`. */
export const document = (brand: Branding, chrome: PageChrome, body: Html, lang = "en"): string =>
  `<!doctype html>` + html`<html lang="${lang.split("-")[0]}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>${chrome.title} · ${brand.name}</title>
<style>${{ html: css(brand.accent.replace(/[;{}<>]/g, "")) }}${{ html: chrome.width === "narrow" ? ":root{--w:560px}" : "" }}</style>
</head><body>
<header class="top"><div class="in">${brand.logoUrl === null ? "" : html`<img src="${brand.logoUrl}" alt="">`}<span class="brand">${brand.name}</span></div></header>
<main>${body}</main>
<script>${{ html: script }}${{ html: chrome.script ?? "" }}</script>
</body></html>`.html

const securityHeaders = {
  "cache-control": "no-store",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data: https:; form-action 'self' https: http:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
}

export const htmlResponse = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { "content-type": "text/html; charset=utf-8", ...securityHeaders } })

/** After a form: 303 so that reloading the next page does not post again. */
export const redirect = (location: string): Response =>
  new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } })

export const jsonResponse = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", "cache-control": "no-store" } })

/** A page that says what went wrong (expired link, unknown link), with no detail to probe. */
export const messagePage = (brand: Branding, title: string, message: string, status: number): Response =>
  htmlResponse(document(brand, { title, width: "narrow" }, html`<h1>${title}</h1><div class="card"><p>${message}</p></div>`), status)

/** The fields of a urlencoded form body (at most 64 KiB; anything else reads as empty). */
export const readForm = async (request: Request): Promise<URLSearchParams> => {
  const type = request.headers.get("content-type") ?? ""
  if (!type.startsWith("application/x-www-form-urlencoded")) return new URLSearchParams()
  const text = await request.text()
  return new URLSearchParams(text.length > 65_536 ? "" : text)
}

/** Compares two secrets in time independent of where they differ. */
export const sameSecret = (a: string, b: string): boolean => {
  if (a.length !== b.length || a.length === 0) return false
  let diff = 0
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i)
  return diff === 0
}
