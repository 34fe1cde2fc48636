import type { AuthContext } from "./scenarios.js"
export const tenancySweep = (_ctx: AuthContext) => {}
