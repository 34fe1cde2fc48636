import { hostileInputScenarios } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

hostileInputScenarios("memory", memoryUnderTest)
