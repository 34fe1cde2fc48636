/** What other features may use of referrals. */
export { Referrals } from "./Referrals.js"
export { ReferralsGroup } from "./http/ReferralsApi.js"
export { layerReferralRewards } from "./ReferralRewards.js"
