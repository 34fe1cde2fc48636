import { authConformance } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

authConformance("sqlite", () => sqliteUnderTest())
