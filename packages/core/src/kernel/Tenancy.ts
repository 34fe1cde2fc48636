/** The project and mode a command runs in. The HTTP layer provides it from the caller's key. */
import { Context } from "effect"
import type { Tenant } from "./Storage.js"

export class CurrentTenant extends Context.Tag("@billkit/core/CurrentTenant")<CurrentTenant, Tenant>() {}
