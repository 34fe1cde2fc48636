import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { billkit, makeMemoryStorage } from "@billkit/core"

describe("docs/openapi.json", () => {
  it("matches the API declaration (run `pnpm openapi` after changing an endpoint or schema)", async () => {
    const app = billkit({ storage: makeMemoryStorage() })
    const committed = JSON.parse(readFileSync(new URL("../../../docs/openapi.json", import.meta.url), "utf8"))
    expect(JSON.parse(JSON.stringify(app.openApi()))).toEqual(committed)
    await app.dispose()
  })
})
