import { webhooksConformance } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

webhooksConformance("sqlite", () => sqliteUnderTest())
