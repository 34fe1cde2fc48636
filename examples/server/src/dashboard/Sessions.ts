/**
 * Dashboard sessions: an opaque random id in an HttpOnly, SameSite=Strict cookie; the key the
 * session acts with stays in this process's memory and never reaches the browser. Each session
 * has its own CSRF token, which every form posts back.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto"

export interface Session {
  readonly id: string
  /** The secret key every Billkit call of this session is made with. */
  readonly apiKey: string
  readonly csrfToken: string
  expiresAt: number
}

// Idle sessions end after this long; each request moves the end forward.
const idleMs = 8 * 60 * 60 * 1000

export const randomToken = (): string => randomBytes(32).toString("base64url")

/** Compares secrets in constant time (hashing first makes the lengths equal). */
export const sameSecret = (a: string, b: string): boolean =>
  timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest())

export interface SessionStore {
  readonly create: (apiKey: string) => Session
  readonly find: (id: string | undefined) => Session | undefined
  readonly end: (id: string | undefined) => void
}

/** Wall-clock time on purpose: a session's life is the operator's, not Billkit's test time. */
export const makeSessionStore = (now: () => number = Date.now): SessionStore => {
  const sessions = new Map<string, Session>()
  const sweep = () => {
    const t = now()
    for (const [id, session] of sessions) if (session.expiresAt <= t) sessions.delete(id)
  }
  return {
    create: (apiKey) => {
      sweep()
      const session: Session = { id: randomToken(), apiKey, csrfToken: randomToken(), expiresAt: now() + idleMs }
      sessions.set(session.id, session)
      return session
    },
    find: (id) => {
      if (id === undefined) return undefined
      const session = sessions.get(id)
      if (session === undefined) return undefined
      if (session.expiresAt <= now()) {
        sessions.delete(id)
        return undefined
      }
      session.expiresAt = now() + idleMs
      return session
    },
    end: (id) => {
      if (id !== undefined) sessions.delete(id)
    }
  }
}
