import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { checkAccessibility, chromiumAvailable, launchBrowser, type LaunchedBrowser } from "@billkit/testing/browser"

describe.skipIf(!chromiumAvailable())("browser harness", () => {
  let launched: LaunchedBrowser
  beforeAll(async () => {
    launched = await launchBrowser()
  })
  afterAll(async () => {
    await launched?.close()
  })

  it("finds an unlabelled input and passes a labelled one", async () => {
    const page = await launched.newPage({ width: 375 })
    await page.setContent(`<!doctype html><html lang="en"><head><title>t</title></head>
      <body><main><h1>Form</h1><input type="text"></main></body></html>`)
    const bad = await checkAccessibility(page)
    expect(bad.map((violation) => violation.id)).toContain("label")

    await page.setContent(`<!doctype html><html lang="en"><head><title>t</title></head>
      <body><main><h1>Form</h1><label for="e">Email</label><input id="e" type="email"></main></body></html>`)
    expect(await checkAccessibility(page)).toEqual([])
    expect(page.viewportSize()?.width).toBe(375)
  })
})
