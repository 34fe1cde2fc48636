import { authConformance } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

authConformance("postgres", () => postgresUnderTest())
