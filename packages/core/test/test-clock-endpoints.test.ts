/** The REST test clock: test mode only, forward only, frozen from the first advance. */
import { Clock, Effect } from "effect"
import { describe, expect, it } from "vitest"
import { fixedClock } from "@billkit/core"
import { makeApp } from "./support.js"

const start = Date.parse("2024-01-31T12:00:00Z")

/** A clock one millisecond later at every read, as real time is between two reads. */
const tickingClock = (from: number): Clock.Clock => {
  let now = from
  const real = Clock.make()
  return {
    [Clock.ClockTypeId]: Clock.ClockTypeId,
    unsafeCurrentTimeMillis: () => now++,
    unsafeCurrentTimeNanos: () => BigInt(now++) * 1_000_000n,
    currentTimeMillis: Effect.sync(() => now++),
    currentTimeNanos: Effect.sync(() => BigInt(now++) * 1_000_000n),
    sleep: (duration) => real.sleep(duration)
  }
}

describe("test clock endpoints", () => {
  it("follows real time until advanced, then stands still; never moves back", async () => {
    const { call } = await makeApp({ clock: fixedClock(start, Clock.make()) })
    expect((await call("GET", "/v1/test-helpers/clock")).json).toEqual({ object: "test_clock", now: "2024-01-31T12:00:00.000Z", frozen: false })

    const frozen = await call("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })
    expect(frozen.json).toMatchObject({ now: "2024-01-31T12:00:00.000Z", frozen: true, steps: 0 })
    const moved = await call("POST", "/v1/test-helpers/clock/advance", { to: "2024-02-29T00:00:00+01:00" })
    expect(moved.json).toMatchObject({ now: "2024-02-28T23:00:00.000Z", frozen: true })
    // Records written in test mode carry test time.
    expect((await call("POST", "/v1/customers", { email: "t@example.com" })).json.created_at).toBe("2024-02-28T23:00:00.000Z")

    const back = await call("POST", "/v1/test-helpers/clock/advance", { to: "2024-02-01T00:00:00Z" })
    expect(back.status).toBe(409)
    expect(back.json.detail).toMatch(/never moves back/)
  })

  it("refuses both or neither of to and seconds, and a bad instant, naming the field", async () => {
    const { call } = await makeApp()
    const both = await call("POST", "/v1/test-helpers/clock/advance", { to: "2030-01-01T00:00:00Z", seconds: 5 })
    expect(both.status).toBe(400)
    expect(both.json.errors[0].field).toBe("to")
    expect((await call("POST", "/v1/test-helpers/clock/advance", {})).status).toBe(400)
    const bad = await call("POST", "/v1/test-helpers/clock/advance", { to: "next tuesday" })
    expect(bad.status).toBe(422)
    expect(bad.json.errors.map((e: any) => e.field)).toContain("to")
    const negative = await call("POST", "/v1/test-helpers/clock/advance", { seconds: -5 })
    expect(negative.status).toBe(422)
    expect(negative.json.errors).toEqual([{ field: "seconds", message: "must be a whole number of seconds from 0 to 20 years" }])
  })

  it("freezes a never-advanced clock with {seconds: 0} even when time moves between reads", async () => {
    const { call } = await makeApp({ clock: tickingClock(start) })
    const frozen = await call("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })
    expect(frozen.status).toBe(200)
    expect(frozen.json).toMatchObject({ frozen: true, steps: 0, failed: [] })
    // Frozen where it stood when the advance read it: later reads no longer tick.
    const now = (await call("GET", "/v1/test-helpers/clock")).json.now
    expect(now).toBe(frozen.json.now)
    expect(Date.parse(now)).toBeGreaterThanOrEqual(start)
    expect((await call("POST", "/v1/test-helpers/clock/advance", { seconds: 0 })).json.now).toBe(now)
  })

  it("bounds `to` like `seconds`: at most 20 years after the clock's time, else 422 naming `to`", async () => {
    const { call } = await makeApp({ clock: fixedClock(start, Clock.make()) })
    const far = await call("POST", "/v1/test-helpers/clock/advance", { to: "9999-12-15T00:00:00Z" })
    expect(far.status).toBe(422)
    expect(far.json.errors).toEqual([{ field: "to", message: "must be at most 20 years after the test clock's time (2024-01-31T12:00:00.000Z)" }])
    // Nothing moved.
    expect((await call("GET", "/v1/test-helpers/clock")).json).toMatchObject({ now: "2024-01-31T12:00:00.000Z", frozen: false })
    const unix = await call("POST", "/v1/test-helpers/clock/advance", { to: Math.floor(start / 1000) + 20 * 366 * 86_400 + 1 })
    expect(unix.status).toBe(422)
    expect(unix.json.errors[0].field).toBe("to")

    // 20 years exactly is allowed, and the bound then counts from the new time.
    const edge = await call("POST", "/v1/test-helpers/clock/advance", { to: Math.floor(start / 1000) + 20 * 366 * 86_400 })
    expect(edge.status).toBe(200)
    expect(edge.json.now).toBe("2044-02-15T12:00:00.000Z")
    expect((await call("POST", "/v1/test-helpers/clock/advance", { to: "2064-01-01T00:00:00Z" })).status).toBe(200)
  })

  it("is a 404 in live mode", async () => {
    const { app, request } = await makeApp()
    const other = await app.createProject("Live")
    expect((await request(other.liveKey, "GET", "/v1/test-helpers/clock")).status).toBe(404)
    expect((await request(other.liveKey, "POST", "/v1/test-helpers/clock/advance", { seconds: 10 })).status).toBe(404)
  })
})
