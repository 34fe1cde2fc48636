import { authConformance } from "@billkit/testing"
import { sqliteFileUnderTest } from "./support.js"

authConformance("sqlite", sqliteFileUnderTest)
