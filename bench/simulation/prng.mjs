// A seeded PRNG (xorshift32): the simulation draws every choice from it, in a fixed order, so one
// seed always makes the same customers do the same things. Never Math.random().
export const makeRng = (seed) => {
  let state = (seed >>> 0) || 0x9e3779b9
  const next = () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 0x100000000
  }
  return {
    next,
    /** An integer in [0, n). */
    int: (n) => Math.floor(next() * n),
    chance: (p) => next() < p,
    pick: (items) => items[Math.floor(next() * items.length)]
  }
}
