/** What other features may use of catalog's pure domain (generated from their imports; keep it to that). */
export * as ChargeModels from "./ChargeModels.js"
export { AggregationMethod, Metric, passesFilters } from "./Metric.js"
export type { Plan } from "./Plan.js"
export { isUsagePrice, Price } from "./Price.js"
export type { TaxType } from "./Product.js"
export { FeatureRecords, MetricRecords, PlanRecords, PriceRecords, ProductRecords } from "./Records.js"
