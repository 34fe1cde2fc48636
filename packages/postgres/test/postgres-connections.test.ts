import { connectionsConformance } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

connectionsConformance("postgres", () => postgresUnderTest())
