export interface Violation { readonly at: string; readonly what: string; readonly detail: string }
export interface Checker {
  readonly invoice: (invoice: any, at: number) => void
  readonly numberedSince: (invoice: any, at: number) => void
  readonly refund: (refund: any, payment: any, at: number) => void
  readonly subscription: (subscription: any, at: number) => void
  readonly gapless: (at: number) => void
  readonly drafts: Set<string>
  readonly restartAt: (subscription: string, at: number) => void
  readonly violations: Array<Violation>
  readonly stats: () => { invoicesChecked: number; refundedPayments: number; sequences: Record<string, number> }
}
export declare const totalsViolation: (invoice: any) => string | null
export declare const makeChecker: () => Checker
