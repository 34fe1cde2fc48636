import { Kysely, PostgresDialect } from "kysely"
import pg from "pg"
import { billkit } from "@billkit/core"
import { makeSqlStorage, migrate } from "@billkit/sql"

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL })
const db = new Kysely({ dialect: new PostgresDialect({ pool }) }) // your app's Kysely instance
await migrate(db) // billkit_* tables, beside your own
const storage = makeSqlStorage(db, { dialect: "postgres", sharedAcrossProcesses: true })

const billing = billkit({ storage })
const { apiKey } = await billing.bootstrap()
const response = await billing.handler(new Request("http://localhost/v1/customers", {
  headers: { authorization: `Bearer ${apiKey}` }
}))
console.log(response.status, (await response.json()).object)

await billing.dispose()
await db.destroy() // ends the pool too
