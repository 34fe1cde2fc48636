/**
 * Authorization, tenancy and idempotency over HTTP, once for every storage backend: the probe's
 * scenarios, and a sweep of every operation of the OpenAPI document with keys that must not
 * reach project A's test data.
 */
import { afterAll, afterEach, beforeAll, describe } from "vitest"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { makeTenants, type Tenants } from "./auth/client.js"
import { authScenarios } from "./auth/scenarios.js"
import { tenancySweep } from "./auth/sweep.js"

export const authConformance = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`auth conformance: ${name}`, () => {
    let underTest: StorageUnderTest | undefined
    const open: Array<Tenants> = []
    beforeAll(async () => {
      underTest = await make()
    })
    afterEach(async () => {
      for (const t of open.splice(0)) await t.app.dispose()
    })
    afterAll(async () => {
      await underTest?.close()
    })
    const storage = () => {
      if (underTest === undefined) throw new Error(`auth conformance: ${name}: make() has not completed`)
      return underTest.storage
    }
    const ctx = {
      storage,
      tenants: async (options = {}) => {
        storage()
        await underTest!.reset()
        const t = await makeTenants(underTest!.storage, options)
        open.push(t)
        return t
      }
    }
    authScenarios(ctx)
    tenancySweep(ctx)
  })
}
