import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { storageConformance } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

storageConformance("sqlite file", async () => {
  const dir = mkdtempSync(join(tmpdir(), "billkit-sqlite-"))
  const sqlite = await sqliteUnderTest(join(dir, "billkit.db"))
  return {
    ...sqlite,
    close: async () => {
      await sqlite.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
})

storageConformance("sqlite :memory:", () => sqliteUnderTest())
