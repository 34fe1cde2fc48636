import { billingScenarios } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

billingScenarios("postgres", () => postgresUnderTest())
