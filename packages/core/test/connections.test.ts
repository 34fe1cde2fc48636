/** Connections on memory storage (SQLite and Postgres run the same suite in their packages). */
import { connectionsConformance } from "@billkit/testing"
import { memoryUnderTest } from "./support.js"

connectionsConformance("memory", () => memoryUnderTest())
