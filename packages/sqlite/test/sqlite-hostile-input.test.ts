import { hostileInputScenarios } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

hostileInputScenarios("sqlite", () => sqliteUnderTest())
