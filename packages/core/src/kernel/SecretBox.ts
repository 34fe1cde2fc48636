/**
 * Secrets at rest (webhook signing secrets, provider keys): AES-256-GCM through Web Crypto, so a
 * database dump alone cannot sign or charge. The key comes from the host (`billkit({
 * encryptionKey })`, the example server reads `BILLKIT_ENCRYPTION_KEY`): 32 bytes as base64 or hex.
 * A sealed value reads `v1.<iv base64url>.<ciphertext+tag base64url>`; without a key, values are
 * stored as `plain.<value>` so a test suite or a first start needs no setup, and `requireKey`
 * lets a feature refuse that where plain storage is not acceptable.
 */
import { Context, Effect, Encoding, Either } from "effect"

export class SecretBoxError extends Error {
  readonly _tag = "SecretBoxError"
}

export interface SecretBoxService {
  /** True when a key is configured (values are sealed, not plain). */
  readonly sealing: boolean
  readonly seal: (plaintext: string) => Effect.Effect<string>
  /** Fails when the value was sealed under another key or was tampered with. */
  readonly open: (sealed: string) => Effect.Effect<string, SecretBoxError>
}

const PLAIN = "plain."
const V1 = "v1."

const subtle = () => globalThis.crypto.subtle

/** Decodes a 32-byte key given as base64, base64url or hex; throws on anything else. */
export const decodeEncryptionKey = (text: string): Uint8Array => {
  const trimmed = text.trim()
  const fromHex = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Encoding.decodeHex(trimmed) : undefined
  const bytes = fromHex ?? Encoding.decodeBase64(trimmed.replace(/-/g, "+").replace(/_/g, "/"))
  if (Either.isLeft(bytes) || bytes.right.length !== 32) {
    throw new SecretBoxError("The encryption key must be 32 bytes, as base64 or 64 hex digits (e.g. `openssl rand -base64 32`).")
  }
  return bytes.right
}

const plainBox: SecretBoxService = {
  sealing: false,
  seal: (plaintext) => Effect.succeed(`${PLAIN}${plaintext}`),
  open: (sealed) =>
    sealed.startsWith(PLAIN)
      ? Effect.succeed(sealed.slice(PLAIN.length))
      : Effect.fail(new SecretBoxError("This secret was sealed with an encryption key, and none is configured."))
}

/** A box sealing with `key` (32 bytes). Values stored plain before a key was set still open. */
export const makeSecretBox = (keyBytes: Uint8Array): SecretBoxService => {
  // Copied into a plain ArrayBuffer, which Web Crypto's types require.
  const key = new Uint8Array(keyBytes)
  let cryptoKey: Promise<CryptoKey> | undefined
  const importKey = () => (cryptoKey ??= subtle().importKey("raw", key, { name: "AES-GCM" }, false, ["encrypt", "decrypt"]))
  return {
    sealing: true,
    seal: (plaintext) =>
      Effect.promise(async () => {
        const iv = globalThis.crypto.getRandomValues(new Uint8Array(12))
        const cipher = await subtle().encrypt({ name: "AES-GCM", iv }, await importKey(), new TextEncoder().encode(plaintext))
        return `${V1}${Encoding.encodeBase64Url(iv)}.${Encoding.encodeBase64Url(new Uint8Array(cipher))}`
      }),
    open: (sealed) => {
      if (sealed.startsWith(PLAIN)) return Effect.succeed(sealed.slice(PLAIN.length))
      const [version, iv, cipher] = sealed.split(".")
      const ivBytes = Encoding.decodeBase64Url(iv ?? "")
      const cipherBytes = Encoding.decodeBase64Url(cipher ?? "")
      if (`${version}.` !== V1 || Either.isLeft(ivBytes) || Either.isLeft(cipherBytes)) {
        return Effect.fail(new SecretBoxError("Not a sealed secret."))
      }
      return Effect.tryPromise({
        try: async () =>
          new TextDecoder().decode(
            await subtle().decrypt({ name: "AES-GCM", iv: new Uint8Array(ivBytes.right) }, await importKey(), new Uint8Array(cipherBytes.right))
          ),
        catch: () => new SecretBoxError("This secret was sealed under another encryption key, or was altered.")
      })
    }
  }
}

/** The instance's box; plain (no key) unless the host configures one. */
export class SecretBox extends Context.Reference<SecretBox>()("@billkit/core/SecretBox", {
  defaultValue: (): SecretBoxService => plainBox
}) {}
