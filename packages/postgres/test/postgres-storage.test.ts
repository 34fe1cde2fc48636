import { storageConformance } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

storageConformance("postgres", () => postgresUnderTest(20))
