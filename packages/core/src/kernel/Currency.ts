/**
 * ISO 4217 currencies and their minor units. Amounts are integers of the minor unit, so the
 * exponent decides what "1" means: 1 cent in EUR, 1 yen in JPY, 1 fils (1/1000 dinar) in KWD.
 */
import { Schema } from "effect"

/** Exponents other than 2. Every other listed code has 2 decimals. */
const exponents: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0,
  UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4
}

/** Active ISO 4217 codes (funds and precious metals excluded). */
const codes = (
  "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP " +
  "BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP " +
  "GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF " +
  "KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR " +
  "MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG " +
  "SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI " +
  "UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG"
).split(" ")

const known: ReadonlySet<string> = new Set(codes)

export const isCurrency = (code: string): boolean => known.has(code)

/** Number of decimals of the currency's minor unit (2 unless listed otherwise). */
export const minorUnitExponent = (currency: string): number => exponents[currency] ?? 2

/** An upper-case ISO 4217 code; lower-case input is accepted and upper-cased. */
export const Currency = Schema.transform(
  Schema.String,
  Schema.String.pipe(
    Schema.filter((code) => known.has(code) || `is not an ISO 4217 currency code`, {
      // Random strings are almost never codes: property tests draw from the list instead.
      arbitrary: () => (fc) => fc.constantFrom(...codes)
    })
  ),
  { strict: true, decode: (s) => s.toUpperCase(), encode: (s) => s }
).annotations({
  identifier: "Currency",
  description: "ISO 4217 currency code, upper case (EUR, JPY, KWD).",
  examples: ["EUR"]
})
