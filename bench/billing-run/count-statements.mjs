// Counts the SQL statements one billing pass sends to Postgres, per subscription, by shape.
import pg from "pg"
const counts = new Map()
const original = pg.Client.prototype.query
let counting = false
pg.Client.prototype.query = function (config, ...rest) {
  if (counting) {
    const text = (typeof config === "string" ? config : config.text).replace(/\s+/g, " ").slice(0, 90)
    counts.set(text, (counts.get(text) ?? 0) + 1)
  }
  return original.call(this, config, ...rest)
}
const { Clock } = await import("effect")
const { billkit, fixedClock } = await import("@billkit/core")
const { makePostgresStorage } = await import("@billkit/postgres")
const { startPostgresServer } = await import("@billkit/testing/postgres")
const { seed, trialEnd, renewal } = await import("./seed.mjs")
const n = Number(process.argv[2] ?? 200)
// BILLKIT_BENCH_DATABASE_URL: an empty database of your own (say, with pg_stat_statements loaded).
const server = process.env.BILLKIT_BENCH_DATABASE_URL === undefined ? await startPostgresServer() : undefined
const db = makePostgresStorage({ connectionString: process.env.BILLKIT_BENCH_DATABASE_URL ?? server.url, max: 4 })
await db.migrate()
await seed(db.storage, n)
// With pg_stat_statements loaded, its numbers then cover the billing passes only.
await db.pool.query("select pg_stat_statements_reset()").catch(() => {})
for (const [name, at] of [["trial end", trialEnd], ["renewal", renewal]]) {
  counts.clear(); counting = true
  const app = billkit({ storage: db.storage, clock: fixedClock(at, Clock.make()) })
  await app.runBilling(); await app.dispose(); counting = false
  const total = [...counts.values()].reduce((a, b) => a + b, 0)
  console.log(`${name}: ${(total / n).toFixed(1)} statements per subscription`)
  for (const [text, c] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${(c / n).toFixed(2)}  ${text}`)
}
await db.close(); await server?.stop()
