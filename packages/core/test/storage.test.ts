import { storageConformance } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

storageConformance("memory", memoryUnderTest)
