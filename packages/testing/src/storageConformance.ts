/**
 * The storage port's behaviour, once for every backend (better-auth's adapter-test shape): a
 * backend's test file calls `storageConformance` with a way to connect, and a reset step that
 * empties the storage between tests.
 */
import { afterAll, beforeAll, beforeEach, describe } from "vitest"
import type { StoragePort } from "@billkit/core"
import type { StorageUnderTest } from "./conformance/fixtures.js"
import { batchTests } from "./conformance/batches.js"
import { bulkTests } from "./conformance/bulk.js"
import { idempotencyTests } from "./conformance/idempotency.js"
import { listingTests } from "./conformance/listing.js"
import { projectTests } from "./conformance/projects.js"
import { rateLimitTests } from "./conformance/rateLimits.js"
import { recordTests } from "./conformance/records.js"
import { transactionTests } from "./conformance/transactions.js"

export type { StorageUnderTest }

export const storageConformance = (name: string, make: () => Promise<StorageUnderTest>): void => {
  describe(`storage conformance: ${name}`, () => {
    let underTest: StorageUnderTest | undefined
    beforeAll(async () => {
      underTest = await make()
    })
    afterAll(async () => {
      await underTest?.close()
    })
    beforeEach(async () => {
      await underTest?.reset()
    })
    // Read at each use, so a backend may hand out a new storage on reset.
    const storage = (): StoragePort => {
      if (underTest === undefined) throw new Error(`storage conformance: ${name}: make() has not completed`)
      return underTest.storage
    }

    recordTests(storage)
    listingTests(storage)
    transactionTests(storage)
    projectTests(storage)
    idempotencyTests(storage)
    rateLimitTests(storage)
    bulkTests(storage)
    batchTests(storage)
  })
}
