import { usageConformance } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

usageConformance("memory", memoryUnderTest)
