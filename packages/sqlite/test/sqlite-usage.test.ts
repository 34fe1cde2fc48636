import { usageConformance } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

usageConformance("sqlite", () => sqliteUnderTest())
