import { connectionsConformance } from "@billkit/testing"
import { sqliteFileUnderTest } from "./support.js"

connectionsConformance("sqlite", sqliteFileUnderTest)
