import { usageConformance } from "@billkit/testing"
import { postgresUnderTest } from "./support.js"

usageConformance("postgres", () => postgresUnderTest())
