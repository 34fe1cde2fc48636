import { webhooksConformance } from "@billkit/testing"
import { sqliteFileUnderTest } from "./support.js"

webhooksConformance("sqlite", sqliteFileUnderTest)
