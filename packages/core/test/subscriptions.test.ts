/**
 * Subscriptions, worked through on memory storage: trials and renewals, seats, plan and price
 * changes with proration, interval changes, pause and resume, cancellations with refunds, and the
 * upcoming invoice. The same scenarios run on SQLite and Postgres (packages/sqlite, packages/postgres).
 */
import { billingScenarios } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

billingScenarios("memory", memoryUnderTest, [
  "trialAndRenewal",
  "pauseAndSeatRounding",
  "upgradeProration",
  "seats",
  "downgradeNextCycle",
  "intervalChange",
  "cancel",
  "upcomingInvoice"
])
