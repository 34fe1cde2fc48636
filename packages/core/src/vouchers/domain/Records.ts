/** How vouchers and their redemptions are stored: one definition per collection. */
import * as Collections from "../../kernel/Collections.js"
import { Redemption, Voucher, codeKey } from "./Voucher.js"

export const VoucherRecords = Collections.records({
  collection: Collections.Vouchers,
  schema: Voucher,
  resource: "voucher",
  index: (v) => ({ code: codeKey(v.code), status: v.status })
})

export const RedemptionRecords = Collections.records({
  collection: Collections.Redemptions,
  schema: Redemption,
  resource: "redemption",
  index: (r) => ({ customer: r.customer, voucher: r.voucher, status: r.status })
})
