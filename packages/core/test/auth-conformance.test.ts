import { authConformance } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

authConformance("memory", memoryUnderTest)
