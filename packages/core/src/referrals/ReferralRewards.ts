/**
 * Referrals' side of invoicing's `InvoicePaidHooks` port: the referrer's reward, in the transaction
 * that marks the referred customer's invoice paid. Wired at the composition root (Layers.ts).
 */
import { Effect, Layer } from "effect"
import { InvoicePaidHooks } from "../invoicing/index.js"
import { Referrals } from "./Referrals.js"

export const layerReferralRewards = Layer.effect(
  InvoicePaidHooks,
  Effect.map(Referrals, (referrals) => ({ paid: referrals.rewardOnPaid }))
).pipe(Layer.provide(Referrals.Default))
