import { entitlementsConformance } from "@billkit/testing"
import { sqliteUnderTest } from "./support.js"

entitlementsConformance("sqlite", () => sqliteUnderTest())
