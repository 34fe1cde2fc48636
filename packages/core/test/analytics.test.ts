import { billingScenarios } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

billingScenarios("memory", memoryUnderTest, ["analytics"])
