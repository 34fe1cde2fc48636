/**
 * `@billkit/testing/browser`: a headless Chromium for page tests, and an accessibility check.
 *
 * It drives the system's Chromium (Debian's `chromium`, or `BILLKIT_CHROMIUM`) through
 * `playwright-core`, so nothing is downloaded; both `playwright-core` and `axe-core` are optional
 * peer dependencies, loaded only when this entry is used.
 */
import { existsSync, readFileSync } from "node:fs"
import { createRequire } from "node:module"
import type { Browser, BrowserContext, Page } from "playwright-core"

/** Flags that keep Chromium quiet and offline: no sandbox (containers), no background traffic. */
export const chromiumArgs: ReadonlyArray<string> = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync"
]

/** Where Chromium lives: `BILLKIT_CHROMIUM`, else the Debian package's path. */
export const chromiumPath = (): string => process.env["BILLKIT_CHROMIUM"] ?? "/usr/bin/chromium"

/** True when a Chromium binary is there; browser suites skip (with a reason) when it is not. */
export const chromiumAvailable = (): boolean => existsSync(chromiumPath())

export interface LaunchedBrowser {
  readonly browser: Browser
  /** A fresh context (own cookies and storage) at the given viewport width, 800 px tall. */
  readonly newPage: (options?: { readonly width?: number; readonly height?: number }) => Promise<Page>
  /** Closes Chromium (Playwright removes its profile directory). */
  readonly close: () => Promise<void>
}

/**
 * Starts Chromium. Playwright gives every launch a fresh throwaway user-data directory (and
 * removes it on close); each `newPage` also gets its own context, so no cookies leak between tests.
 */
export const launchBrowser = async (): Promise<LaunchedBrowser> => {
  const { chromium } = await import("playwright-core")
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [...chromiumArgs],
    headless: true
  })
  const contexts: Array<BrowserContext> = []
  return {
    browser,
    newPage: async (options) => {
      const context = await browser.newContext({
        viewport: { width: options?.width ?? 1280, height: options?.height ?? 800 }
      })
      contexts.push(context)
      return context.newPage()
    },
    close: async () => {
      for (const context of contexts) await context.close().catch(() => undefined)
      await browser.close()
    }
  }
}

export interface AccessibilityViolation {
  readonly id: string
  readonly impact: "serious" | "critical"
  readonly help: string
  /** CSS selectors of the offending nodes. */
  readonly targets: ReadonlyArray<string>
}

let axeSource: string | undefined
const loadAxe = (): string => {
  if (axeSource === undefined) {
    const require = createRequire(import.meta.url)
    axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8")
  }
  return axeSource
}

/**
 * Runs axe-core in the page (injected as an inline script, no network) and answers the serious
 * and critical violations; an empty array is a pass.
 */
export const checkAccessibility = async (page: Page): Promise<ReadonlyArray<AccessibilityViolation>> => {
  await page.addScriptTag({ content: loadAxe() })
  const results = await page.evaluate(async () => {
    const axe = (globalThis as unknown as {
      axe: {
        run: (context: unknown, options: unknown) => Promise<{
          violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: Array<unknown> }> }>
        }>
      }
    }).axe
    const outcome = await axe.run(document, { resultTypes: ["violations"] })
    return outcome.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.map(String).join(" "))
    }))
  })
  return results.flatMap((violation) =>
    violation.impact === "serious" || violation.impact === "critical"
      ? [{ ...violation, impact: violation.impact }]
      : []
  )
}
