import { billingScenarios } from "@billkit/testing"
import { sqliteFileUnderTest } from "./support.js"

billingScenarios("sqlite", sqliteFileUnderTest)
