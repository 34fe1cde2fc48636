/** What other features may use of catalog (generated from their imports; keep it to that). */
export { Plans } from "./Plans.js"
export { Prices } from "./Prices.js"
export { Products } from "./Products.js"
export { FeaturesGroup } from "./http/FeaturesApi.js"
export { MetricsGroup } from "./http/MetricsApi.js"
export { PlansGroup } from "./http/PlansApi.js"
export { PricesGroup } from "./http/PricesApi.js"
export { ProductsGroup } from "./http/ProductsApi.js"
