// Writes docs/openapi.json from the API declaration in the built @billkit/core.
// Run `pnpm openapi` after changing an endpoint or schema; a test fails while it is stale.
import { writeFileSync } from "node:fs"
import { billkit, makeMemoryStorage } from "../packages/core/dist/index.js"

const app = billkit({ storage: makeMemoryStorage() })
writeFileSync(new URL("../docs/openapi.json", import.meta.url), JSON.stringify(app.openApi(), null, 2) + "\n")
await app.dispose()
console.log("wrote docs/openapi.json")
