import { connectionsConformance } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

connectionsConformance("sqlite", () => sqliteUnderTest())
