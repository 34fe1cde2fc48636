/** How the catalog is stored: the one definition per collection every repository is made from. */
import * as Collections from "../../kernel/Collections.js"
import { Feature } from "./Feature.js"
import { Metric } from "./Metric.js"
import { Plan } from "./Plan.js"
import { Price } from "./Price.js"
import { Product } from "./Product.js"
import { providerLinkIndex } from "../../kernel/ProviderLink.js"

export const ProductRecords = Collections.records({
  collection: Collections.Products,
  schema: Product,
  resource: "product",
  index: (p) => ({ status: p.active ? "active" : "inactive", ...providerLinkIndex(p) })
})

export const PriceRecords = Collections.records({
  collection: Collections.Prices,
  schema: Price,
  resource: "price",
  index: (p) => ({ product: p.product, currency: p.currency, public: String(p.public), schedule: p.schedule, ...providerLinkIndex(p) })
})

export const FeatureRecords = Collections.records({
  collection: Collections.Features,
  schema: Feature,
  resource: "feature",
  index: (f) => ({ code: f.code })
})

export const PlanRecords = Collections.records({
  collection: Collections.Plans,
  schema: Plan,
  resource: "plan",
  index: (p) => ({ code_name: p.codeName, product: p.product, public: String(p.public), ...providerLinkIndex(p) })
})

export const MetricRecords = Collections.records({
  collection: Collections.Metrics,
  schema: Metric,
  resource: "metric",
  index: (m) => ({ code: m.code })
})
