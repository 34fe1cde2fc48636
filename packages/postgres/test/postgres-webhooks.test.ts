import { webhooksConformance } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

webhooksConformance("postgres", () => postgresUnderTest())
