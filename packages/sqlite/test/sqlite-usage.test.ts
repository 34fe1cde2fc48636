import { usageConformance } from "@billkit/testing"
import { sqliteFileUnderTest } from "./support.js"

usageConformance("sqlite", sqliteFileUnderTest)
