/** Every group's handlers, the authentication middleware, and the services behind them. */
import { Layer } from "effect"
import { layerIdGenerator } from "../ports/IdGenerator.js"
import { ApiKeys } from "../services/ApiKeys.js"
import { Customers } from "../services/Customers.js"
import { Features } from "../services/Features.js"
import { Plans } from "../services/Plans.js"
import { Prices } from "../services/Prices.js"
import { Products } from "../services/Products.js"
import { Projects } from "../services/Projects.js"
import { ApiKeysLive } from "./handlers/ApiKeys.js"
import { CustomersLive } from "./handlers/Customers.js"
import { FeaturesLive } from "./handlers/Features.js"
import { PlansLive } from "./handlers/Plans.js"
import { PricesLive } from "./handlers/Prices.js"
import { ProductsLive } from "./handlers/Products.js"
import { AuthenticationLive } from "./Principal.js"

/** The services, needing only `Storage` (and `IdGenerator`, which they get by default). */
export const ServicesLive = Layer.mergeAll(
  Customers.Default,
  Products.Default,
  Prices.Default,
  Features.Default,
  Plans.Default,
  ApiKeys.Default,
  Projects.Default
).pipe(Layer.provideMerge(layerIdGenerator))

export const HandlersLive = Layer.mergeAll(CustomersLive, ProductsLive, PricesLive, FeaturesLive, PlansLive, ApiKeysLive).pipe(
  Layer.provide(AuthenticationLive)
)
