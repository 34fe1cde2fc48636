import type { StoragePort } from "@billkit/core"
import type { BillingSettings } from "@billkit/core"
import type { Violation } from "./invariants.mjs"

export declare const simulationStart: number
export interface SimulationResult {
  readonly seed: number
  readonly subscriptions: number
  readonly years: number
  readonly periods: number
  readonly customers: number
  readonly seconds: number
  readonly timing: Record<string, number>
  readonly sha256: string
  readonly counts: Record<string, number>
  readonly checked: { invoicesChecked: number; refundedPayments: number; sequences: Record<string, number> }
  readonly violations: ReadonlyArray<Violation>
  readonly refused: Record<string, number>
  readonly unanswered: ReadonlyArray<{ at: string; failed: number }>
}
export declare const simulate: (options?: {
  readonly storage: StoragePort
  readonly subscriptions?: number
  readonly years?: number
  readonly seed?: number
  readonly billing?: Partial<BillingSettings>
  readonly onPeriod?: (progress: { at: string; violations: number }) => void
  /** Each line of the ledger's canonical dump, as it is hashed. */
  readonly onLedgerLine?: (line: string) => void
}) => Promise<SimulationResult>
