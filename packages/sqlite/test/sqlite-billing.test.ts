import { billingScenarios } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

billingScenarios("sqlite", () => sqliteUnderTest())
