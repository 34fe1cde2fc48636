/** The sign-in page: a secret key, or the operator's admin password when the server has one. */
import { html } from "hono/html"
import { base, page, type Html } from "../Layout.js"

export const signInPage = (options: { readonly csrfToken: string; readonly passwordAllowed: boolean; readonly error?: string }): Html =>
  page(
    { title: "Sign in" },
    html`<div class="sign-in">
      ${options.error === undefined ? "" : html`<p class="notice" role="alert" id="sign-in-error">${options.error}</p>`}
      <form method="post" action="${base}/sign-in">
        <input type="hidden" name="csrf" value="${options.csrfToken}" />
        <label for="key">Secret API key</label>
        <input id="key" name="key" type="password" autocomplete="off" placeholder="sk_test_…" spellcheck="false" />
        ${options.passwordAllowed
          ? html`<label for="password">or the admin password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" />`
          : ""}
        <button type="submit">Sign in</button>
      </form>
      <p class="hint">The dashboard acts with this key: its project, mode and scopes decide what you see.</p>
    </div>`
  )
