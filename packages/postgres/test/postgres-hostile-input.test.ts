import { hostileInputScenarios } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

hostileInputScenarios("postgres", () => postgresUnderTest())
