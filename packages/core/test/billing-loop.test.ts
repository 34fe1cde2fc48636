/**
 * The billing loop beside other requests, on memory storage: another project's read completes
 * while the loop still has batches left. The same scenario runs on SQLite and Postgres.
 * (A batch that fails part-way: billing-loop-failures.test.ts.)
 */
import { billingScenarios } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

billingScenarios("memory", memoryUnderTest, ["loopInterleaving"])
