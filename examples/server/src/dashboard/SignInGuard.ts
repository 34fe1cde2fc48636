/**
 * Slows down guessing: after `maxFailures` refused sign-ins within a minute, every sign-in is
 * answered 429 until that minute has passed. Per process and for all clients together, so it also
 * holds behind a proxy that hides addresses; a locked-out operator waits at most a minute.
 */
export interface SignInGuard {
  /** Seconds to wait before trying again, or 0 when a sign-in may be tried now. */
  readonly retryAfter: () => number
  readonly failed: () => void
}

const windowMs = 60_000

export const makeSignInGuard = (maxFailures = 10, now: () => number = Date.now): SignInGuard => {
  let failures: Array<number> = []
  const recent = () => {
    const t = now()
    failures = failures.filter((at) => t - at < windowMs)
    return failures
  }
  return {
    retryAfter: () => {
      const list = recent()
      return list.length < maxFailures ? 0 : Math.ceil((list[0]! + windowMs - now()) / 1000)
    },
    failed: () => {
      recent().push(now())
    }
  }
}
