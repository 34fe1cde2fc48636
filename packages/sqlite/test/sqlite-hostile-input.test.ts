import { hostileInputScenarios } from "@billkit/testing"
import { sqliteFileUnderTest } from "./support.js"

hostileInputScenarios("sqlite", sqliteFileUnderTest)
