/**
 * The host's webhook settings (`billkit({ webhooks: {...} })`): retry schedule, timeouts, the
 * private-network guard and its DNS resolver, and how the worker claims work.
 */
import { Context } from "effect"
import { DAY, defaultRetryPolicy, type RetryPolicy } from "./domain/Schedule.js"

/** Resolves a host name to its IP addresses (both families). */
export type HostResolver = (hostname: string) => Promise<ReadonlyArray<string>>

export interface WebhookSettings {
  /** Allow URLs on private, loopback and link-local addresses (tests, a private network). Default false. */
  readonly allowPrivateNetworks: boolean
  /** One attempt's limit, connection to last byte read. Default 10 s. */
  readonly timeoutMs: number
  /** How much of a receiver's answer is kept on the delivery. Default 64 KiB. */
  readonly maxResponseBytes: number
  /** The retry schedule (see `RetryPolicy`). Default about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, … for 3 days. */
  readonly retry: RetryPolicy
  /** An endpoint whose every attempt failed for this long is disabled. Default 5 days. */
  readonly disableAfterMs: number
  /** How long a worker holds an attempt before another may take it over (a killed worker's). Default 60 s. */
  readonly leaseMs: number
  /** Deliveries claimed per transaction. Default 50. */
  readonly batchSize: number
  /** Attempts one worker makes at once. Default 16. */
  readonly concurrency: number
  /**
   * Resolves names for the private-network guard. Default: `node:dns/promises` `lookup`, loaded
   * when first needed; on a runtime without it (edge workers) names are not resolved and only
   * literal addresses are refused.
   */
  readonly resolve?: HostResolver
}

export const defaultWebhookSettings: WebhookSettings = {
  allowPrivateNetworks: false,
  timeoutMs: 10_000,
  maxResponseBytes: 64 * 1024,
  retry: defaultRetryPolicy,
  disableAfterMs: 5 * DAY,
  leaseMs: 60_000,
  batchSize: 50,
  concurrency: 16
}

/** What a host may pass: any subset, the retry policy too. */
export type WebhookOptions = Partial<Omit<WebhookSettings, "retry">> & { readonly retry?: Partial<RetryPolicy> }

export const webhookSettingsOf = (options: WebhookOptions = {}): WebhookSettings => ({
  ...defaultWebhookSettings,
  ...options,
  retry: { ...defaultRetryPolicy, ...options.retry }
})

export class WebhookConfig extends Context.Reference<WebhookConfig>()("@billkit/core/WebhookConfig", {
  defaultValue: (): WebhookSettings => defaultWebhookSettings
}) {}
