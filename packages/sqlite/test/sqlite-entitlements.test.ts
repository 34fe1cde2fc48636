import { entitlementsConformance } from "@billkit/testing"
import { sqliteFileUnderTest } from "./support.js"

entitlementsConformance("sqlite", sqliteFileUnderTest)
