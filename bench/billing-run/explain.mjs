// Every statement one billing pass sends to SQLite, with its query plan and how often it ran:
// a statement whose plan scans or sorts what grows with N makes CPU per renewal grow with N.
//
//   node bench/billing-run/explain.mjs [subscriptions]     # after `npm run build`; default 2,000
import Database from "better-sqlite3"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Clock } from "effect"
import { billkit, fixedClock } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { seed, trialEnd } from "./seed.mjs"

const n = Number(process.argv[2] ?? 2000)
const dir = mkdtempSync(join(tmpdir(), "billkit-explain-"))
const database = new Database(join(dir, "billkit.db"))
const counts = new Map()
let recording = false
const prepare = database.prepare.bind(database)
// Count runs per statement text: the statement cache prepares each text once, so wrap its runs.
database.prepare = (sql) => {
  const statement = prepare(sql)
  for (const method of ["all", "run", "get"]) {
    const original = statement[method].bind(statement)
    statement[method] = (...args) => {
      if (recording) counts.set(sql, (counts.get(sql) ?? 0) + 1)
      return original(...args)
    }
  }
  return statement
}
const sqlite = makeSqliteStorage({ database })
await sqlite.migrate()
await seed(sqlite.storage, n)
recording = true
const app = billkit({ storage: sqlite.storage, clock: fixedClock(trialEnd, Clock.make()) })
await app.runBilling()
await app.dispose()
recording = false
const plain = new Database(join(dir, "billkit.db"), { readonly: true })
for (const [sql, runs] of [...counts].sort((a, b) => b[1] - a[1])) {
  let plan
  try {
    const params = (sql.match(/\?/g) ?? []).map(() => null)
    plan = plain.prepare(`explain query plan ${sql}`).all(...params).map((r) => r.detail).join(" | ")
  } catch (e) {
    plan = `(${e.message})`
  }
  console.log(`${(runs / n).toFixed(3)}/renewal  ${sql.slice(0, 160)}\n    ${plan}`)
}
plain.close()
await sqlite.close()
rmSync(dir, { recursive: true, force: true })
