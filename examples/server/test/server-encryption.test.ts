/** BILLKIT_ENCRYPTION_KEY: a bad one is refused, and stored provider keys need theirs to start. */
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { billkit } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { inProcessAccounts, sendTo } from "@billkit/testing"
import { runToExit, spawnServer, tempDir } from "./support/spawnServer.js"

const encryptionKey = Buffer.alloc(32, 5).toString("base64")

describe("example server and BILLKIT_ENCRYPTION_KEY", () => {
  it("refuses a key that is not 32 bytes, naming the variable", async () => {
    const result = await runToExit({ cwd: tempDir(), env: { BILLKIT_ENCRYPTION_KEY: "too-short" } })
    expect(result.code).toBe(1)
    expect(result.stderr).toContain("billkit: BILLKIT_ENCRYPTION_KEY: The encryption key must be 32 bytes")
  })

  it("refuses to start over a database holding sealed provider keys without their key, and starts with it", async () => {
    const cwd = tempDir()
    const filename = join(cwd, "billkit.db")
    // A connection made by an earlier run that had the key.
    const sqlite = makeSqliteStorage({ filename })
    await sqlite.migrate()
    const accounts = inProcessAccounts()
    const app = billkit({ storage: sqlite.storage, encryptionKey, providerAccounts: { stripe: accounts.providerAccounts } })
    const { apiKey } = await app.bootstrap()
    const account = await accounts.newAccount("test")
    const created = await sendTo(app)(apiKey, "POST", "/v1/connections", { provider: "stripe", secret_key: account.secretKey })
    expect(created.status).toBe(201)
    await app.dispose()
    await sqlite.close()

    const without = await runToExit({ cwd })
    expect(without.code).toBe(1)
    expect(without.stderr).toContain("no encryption key is configured: set BILLKIT_ENCRYPTION_KEY")
    expect(without.stderr).not.toMatch(/\n\s+at /)
    const wrong = await runToExit({ cwd, env: { BILLKIT_ENCRYPTION_KEY: "cd".repeat(32) } })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain("not the one they were sealed with")

    const server = await spawnServer({ cwd, env: { BILLKIT_ENCRYPTION_KEY: encryptionKey } })
    expect(await server.stop("SIGTERM")).toBe(0)
  })
})
