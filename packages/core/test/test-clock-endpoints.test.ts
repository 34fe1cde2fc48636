/** The REST test clock: test mode only, forward only, frozen from the first advance. */
import { Clock } from "effect"
import { describe, expect, it } from "vitest"
import { fixedClock } from "@billkit/core"
import { makeApp } from "./support.js"

const start = Date.parse("2024-01-31T12:00:00Z")

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

  it("is a 404 in live mode", async () => {
    const { app, request } = await makeApp()
    const other = await app.createProject("Live")
    expect((await request(other.liveKey, "GET", "/v1/test-helpers/clock")).status).toBe(404)
    expect((await request(other.liveKey, "POST", "/v1/test-helpers/clock/advance", { seconds: 10 })).status).toBe(404)
  })
})
