/** How referral codes, referrals and the referral config are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { Referral, ReferralCode, ReferralConfig, referralCodeKey } from "./Referral.js"

export const ReferralCodeRecords = Collections.records({
  collection: Collections.ReferralCodes,
  schema: ReferralCode,
  resource: "referral code",
  index: (c) => ({ code: referralCodeKey(c.code), customer: c.customer })
})

/** `customer` is unique: a customer is referred at most once. */
export const ReferralRecords = Collections.records({
  collection: Collections.Referrals,
  schema: Referral,
  resource: "referral",
  index: (r) => ({ code: referralCodeKey(r.code), referrer: r.referrer, customer: r.customer, status: r.status })
})

export const ReferralConfigRecords = Collections.records({
  collection: Collections.ReferralConfigs,
  schema: ReferralConfig,
  resource: "referral config",
  index: () => ({ name: "default" })
})
