// Counts the SQL statements one billing pass sends to Postgres, per subscription, by shape.
// `--explain`: also the plan of each select, update and delete (its first run's values), as
// Postgres chooses it for these tables at this size.
//
//   node bench/billing-run/count-statements.mjs 1000 [--explain]
import pg from "pg"
const counts = new Map()
const firstRun = new Map()
const original = pg.Client.prototype.query
let counting = false
pg.Client.prototype.query = function (config, ...rest) {
  if (counting) {
    const text = (typeof config === "string" ? config : config.text).replace(/\s+/g, " ").slice(0, 90)
    counts.set(text, (counts.get(text) ?? 0) + 1)
    if (!firstRun.has(text) && typeof config !== "string") firstRun.set(text, { sql: config.text, values: config.values ?? rest[0] })
    else if (!firstRun.has(text)) firstRun.set(text, { sql: config, values: Array.isArray(rest[0]) ? rest[0] : [] })
  }
  return original.call(this, config, ...rest)
}
const { Clock } = await import("effect")
const { billkit, fixedClock } = await import("@billkit/core")
const { makePostgresStorage } = await import("@billkit/postgres")
const { startPostgresServer } = await import("@billkit/testing/postgres")
const { seed, trialEnd, renewal } = await import("./seed.mjs")
const n = Number(process.argv[2] ?? 200)
const explain = process.argv.includes("--explain")
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
  if (explain) {
    // The plans of what was just run, on the tables as they are now (analyzed first).
    await db.pool.query("analyze")
    for (const [text, { sql, values }] of firstRun) {
      if (!/^\s*(select|update|delete)/i.test(sql)) continue
      const plan = await db.pool.query(`explain ${sql}`, values).then((r) => r.rows.map((row) => row["QUERY PLAN"].trim()).join(" | "), (e) => `(${e.message})`)
      console.log(`  plan of ${text}\n      ${plan}`)
    }
    firstRun.clear()
  }
}
await db.close(); await server?.stop()
