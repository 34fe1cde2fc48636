/**
 * Invoicing, worked through on memory storage: tax (inclusive and exclusive, per line), one-off
 * invoices and credit notes, and dunning (retries, past_due, the final failure). The same
 * scenarios run on SQLite and Postgres (packages/sqlite, packages/postgres).
 */
import { billingScenarios } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

billingScenarios("memory", memoryUnderTest, ["tax", "oneOffAndCredit", "dunning"])
