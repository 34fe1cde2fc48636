/** Webhook delivery and retention on memory storage (SQLite and Postgres run the same suite in their packages). */
import { webhooksConformance } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

webhooksConformance("memory", () => memoryUnderTest())
