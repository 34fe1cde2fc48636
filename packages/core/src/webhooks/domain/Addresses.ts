/**
 * Which addresses a webhook may not reach unless the host allows private networks: loopback,
 * private, link-local, carrier-grade NAT, unspecified, multicast and reserved ranges, in IPv4 and
 * IPv6 (IPv4-mapped and NAT64 forms are judged by the IPv4 address inside). Pure string work, so
 * it runs on any runtime.
 */

/** The four octets of a dotted IPv4 address, or undefined. */
export const parseIpv4 = (text: string): ReadonlyArray<number> | undefined => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (m === null) return undefined
  const octets = m.slice(1).map(Number)
  return octets.every((o) => o <= 255) ? octets : undefined
}

/** The eight 16-bit groups of an IPv6 address (brackets and a zone allowed), or undefined. */
export const parseIpv6 = (input: string): ReadonlyArray<number> | undefined => {
  let text = input.startsWith("[") && input.endsWith("]") ? input.slice(1, -1) : input
  text = text.split("%")[0]!
  if (!text.includes(":")) return undefined
  // A trailing dotted IPv4 part stands for the last two groups.
  const lastColon = text.lastIndexOf(":")
  const tail = text.slice(lastColon + 1)
  let tailGroups: Array<number> = []
  if (tail.includes(".")) {
    const v4 = parseIpv4(tail)
    if (v4 === undefined) return undefined
    tailGroups = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!]
    text = text.slice(0, lastColon + 1) + "0:0"
  }
  const halves = text.split("::")
  if (halves.length > 2) return undefined
  const parse = (part: string) => (part === "" ? [] : part.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)))
  const head = parse(halves[0]!)
  const rest = halves.length === 2 ? parse(halves[1]!) : []
  const missing = 8 - head.length - rest.length
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined
  const groups = [...head, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...rest]
  if (groups.some(Number.isNaN) || groups.length !== 8) return undefined
  if (tailGroups.length === 2) {
    groups[6] = tailGroups[0]!
    groups[7] = tailGroups[1]!
  }
  return groups
}

const inV4 = (o: ReadonlyArray<number>, base: ReadonlyArray<number>, bits: number): boolean => {
  const a = ((o[0]! << 24) | (o[1]! << 16) | (o[2]! << 8) | o[3]!) >>> 0
  const b = ((base[0]! << 24) | (base[1]! << 16) | (base[2]! << 8) | base[3]!) >>> 0
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0
  return (a & mask) === (b & mask)
}

const blockedV4: ReadonlyArray<readonly [ReadonlyArray<number>, number]> = [
  [[0, 0, 0, 0], 8], // "this network", unspecified
  [[10, 0, 0, 0], 8], // private
  [[100, 64, 0, 0], 10], // carrier-grade NAT
  [[127, 0, 0, 0], 8], // loopback
  [[169, 254, 0, 0], 16], // link-local (cloud metadata services live here)
  [[172, 16, 0, 0], 12], // private
  [[192, 0, 0, 0], 24], // IETF protocol assignments
  [[192, 168, 0, 0], 16], // private
  [[198, 18, 0, 0], 15], // benchmarking
  [[224, 0, 0, 0], 4], // multicast
  [[240, 0, 0, 0], 4] // reserved, broadcast
]

const isBlockedV4 = (o: ReadonlyArray<number>) => blockedV4.some(([base, bits]) => inV4(o, base, bits))

const isBlockedV6 = (g: ReadonlyArray<number>): boolean => {
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0)
  if (zeroUpTo(8)) return true // ::
  if (zeroUpTo(7) && g[7] === 1) return true // ::1
  const v4Of = () => [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255]
  if (zeroUpTo(5) && g[5] === 0xffff) return isBlockedV4(v4Of()) // ::ffff:a.b.c.d
  if (zeroUpTo(6)) return isBlockedV4(v4Of()) // ::a.b.c.d (deprecated compatible form)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return isBlockedV4(v4Of()) // NAT64
  if ((g[0]! & 0xfe00) === 0xfc00) return true // unique local fc00::/7
  if ((g[0]! & 0xffc0) === 0xfe80) return true // link-local fe80::/10
  if ((g[0]! & 0xffc0) === 0xfec0) return true // site-local (deprecated)
  if ((g[0]! & 0xff00) === 0xff00) return true // multicast
  return false
}

/** True for an IP address literal the webhook guard refuses; false for a public one or a name. */
export const isPrivateAddress = (address: string): boolean => {
  const v4 = parseIpv4(address)
  if (v4 !== undefined) return isBlockedV4(v4)
  const v6 = parseIpv6(address)
  return v6 !== undefined && isBlockedV6(v6)
}

/** True when `host` (a URL's hostname) is an IP literal rather than a name to resolve. */
export const isIpLiteral = (host: string): boolean => parseIpv4(host) !== undefined || parseIpv6(host) !== undefined

/** Names that are loopback by definition, whatever a resolver says. */
export const isLocalName = (host: string): boolean => {
  const h = host.toLowerCase().replace(/\.$/, "")
  return h === "localhost" || h.endsWith(".localhost")
}
