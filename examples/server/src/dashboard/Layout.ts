/** The page shell every dashboard page shares: head, skip link, navigation, main landmark. */
import { html } from "hono/html"
import type { HtmlEscapedString } from "hono/utils/html"

export type Html = HtmlEscapedString | Promise<HtmlEscapedString>

export interface Shell {
  readonly title: string
  /** Which navigation entry is the current page. */
  readonly current?: string
  readonly mode?: "test" | "live"
  readonly csrfToken?: string
  /** Navigation entries offered to this key (webhooks only when Billkit serves them, …). */
  readonly nav?: ReadonlyArray<{ readonly href: string; readonly label: string }>
  readonly scripts?: ReadonlyArray<string>
  readonly styles?: ReadonlyArray<string>
}

export const base = "/dashboard"

const navigation = (shell: Shell) =>
  shell.nav === undefined
    ? ""
    : html`<nav aria-label="Dashboard">
        <ul>
          ${shell.nav.map(
            (item) =>
              html`<li><a href="${item.href}"${item.label === shell.current ? html` aria-current="page"` : ""}>${item.label}</a></li>`
          )}
        </ul>
      </nav>`

const signOut = (shell: Shell) =>
  shell.csrfToken === undefined
    ? ""
    : html`<form method="post" action="${base}/sign-out" class="sign-out">
        <input type="hidden" name="csrf" value="${shell.csrfToken}" />
        <button type="submit">Sign out</button>
      </form>`

export const page = (shell: Shell, body: Html | string): Html => html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${shell.title} · Billkit dashboard</title>
    <link rel="stylesheet" href="${base}/assets/dashboard.css" />
    ${(shell.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}" />`)}
  </head>
  <body>
    <a class="skip" href="#main">Skip to content</a>
    <header>
      <div class="brand">Billkit${shell.mode === undefined ? "" : html` <span class="mode mode-${shell.mode}">${shell.mode} mode</span>`}</div>
      ${signOut(shell)}
    </header>
    ${navigation(shell)}
    <main id="main" tabindex="-1">
      <h1>${shell.title}</h1>
      ${body}
    </main>
    ${(shell.scripts ?? []).map((src) => html`<script src="${src}" defer></script>`)}
  </body>
</html>`

export interface Column<T> {
  readonly label: string
  readonly cell: (row: T) => unknown
  /** Right-aligned (amounts). */
  readonly numeric?: boolean
}

/** A table that scrolls sideways on a phone; the region is focusable so a keyboard can scroll it. */
export const table = <T>(caption: string, columns: ReadonlyArray<Column<T>>, rows: ReadonlyArray<T>): Html =>
  rows.length === 0
    ? html`<p class="empty">No ${caption.toLowerCase()} yet.</p>`
    : html`<div class="table" role="region" aria-label="${caption}" tabindex="0">
        <table>
          <caption>${caption}</caption>
          <thead>
            <tr>${columns.map((column) => html`<th scope="col"${column.numeric === true ? html` class="num"` : ""}>${column.label}</th>`)}</tr>
          </thead>
          <tbody>
            ${rows.map(
              (row) =>
                html`<tr>${columns.map((column) => html`<td${column.numeric === true ? html` class="num"` : ""}>${column.cell(row)}</td>`)}</tr>`
            )}
          </tbody>
        </table>
      </div>`

/** "Next page" for Billkit's cursor lists, keeping the page's filters. */
export const nextPage = (path: string, params: Record<string, string | undefined>, list: { has_more: boolean; next_cursor?: string | null }): Html => {
  if (!list.has_more || list.next_cursor === undefined || list.next_cursor === null) return html``
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== "") query.set(name, value)
  query.set("starting_after", list.next_cursor)
  return html`<p class="pager"><a href="${path}?${query.toString()}">Next page</a></p>`
}

export const status = (value: string | null | undefined) => html`<span class="status status-${value ?? "none"}">${value ?? "—"}</span>`

/** What a page shows when Billkit refused the call (a key without the scope, a missing record). */
export const refusal = (what: string, answer: { status: number; body: any }): Html =>
  html`<p class="notice" role="alert">${
    answer.status === 401
      ? "Billkit no longer accepts this key (revoked?). Sign out and sign in again."
      : answer.status === 403
      ? `This key may not read ${what} (it lacks the scope).`
      : answer.status === 404
        ? `No such ${what}.`
        : `Billkit answered ${answer.status} for ${what}: ${typeof answer.body === "object" && answer.body !== null ? (answer.body.detail ?? "") : ""}`
  }</p>`
