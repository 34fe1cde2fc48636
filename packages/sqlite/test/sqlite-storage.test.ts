import { storageConformance } from "@billkit/testing"
import { sqliteFileUnderTest, sqliteUnderTest } from "./support.js"

storageConformance("sqlite file", sqliteFileUnderTest)

storageConformance("sqlite :memory:", () => sqliteUnderTest())
