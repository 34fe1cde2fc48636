/**
 * Invoicing, worked through on memory storage: tax (inclusive and exclusive, per line), one-off
 * invoices and credit notes (by amount or by line), dunning (retries, past_due, the final failure),
 * and the from/to filters on invoices, payments, refunds and events. The same
 * scenarios run on SQLite and Postgres (packages/sqlite, packages/postgres).
 */
import { billingScenarios } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

billingScenarios("memory", memoryUnderTest, ["tax", "oneOffAndCredit", "dunning", "timeFilters"])
