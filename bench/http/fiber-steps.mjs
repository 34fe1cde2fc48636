// Fiber steps and scheduler turns per plain retrieve (GET /v1/customers/{id}, SQLite, short
// path), counted rather than timed: on a shared VM CPU time varies by ±20 %, these do not.
// Counts every instruction the fiber runtime evaluates (its opcode methods) and every task
// handed to Effect's default scheduler, over 1,000 requests after a warm-up.
//
//   node bench/http/fiber-steps.mjs
import { billkit } from "@billkit/core"
import { makeSqliteStorage } from "@billkit/sqlite"
import { Effect, Scheduler } from "effect"
const sqlite = makeSqliteStorage({ filename: ":memory:" })
await sqlite.migrate()
const billing = billkit({ storage: sqlite.storage, fastReads: true, defaultRateLimits: [{ window: "second", max: 1e9 }] })
const { apiKey } = await billing.bootstrap()
const created = await billing.handler(new Request("http://bench/v1/customers", { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" }, body: JSON.stringify({ email: "bench@example.com", name: "Bench" }) }))
const { id } = await created.json()
const mk = () => new Request(`http://bench/v1/customers/${id}`, { headers: { authorization: `Bearer ${apiKey}` } })
for (let i = 0; i < 100; i++) await (await billing.handler(mk())).text()
const proto = Object.getPrototypeOf(Effect.runFork(Effect.void))
let ops = 0
for (const name of Object.getOwnPropertyNames(proto)) {
  const f = proto[name]
  if (typeof f !== "function" || !/^[A-Z]/.test(name)) continue
  proto[name] = function (...args) { ops++; return f.apply(this, args) }
}
let hops = 0
const s = Scheduler.defaultScheduler
const orig = s.scheduleTask.bind(s)
s.scheduleTask = (task, prio) => { hops++; return orig(task, prio) }
const N = 1000
for (let i = 0; i < N; i++) await (await billing.handler(mk())).text()
console.log("per request: fiber ops", ops / N, "scheduler turns", hops / N)
await billing.dispose(); await sqlite.close()
