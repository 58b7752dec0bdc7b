/** Length limits from the SMS API reference (docs/api.md §1–2), in characters. */
export const LIMITS = {
  serverId: { min: 1, max: 255 },
  authToken: { min: 1, max: 16_384 },
  commandName: 255,
  taskId: 255,
  bucket: 255,
  errorCode: 255,
  errorMsg: 1024,
  /** A result report as encoded JSON, in bytes (`SMS.2004` beyond). */
  resultBodyBytes: 10_240,
  /** Names, addresses and OS versions of source servers (`GET /v3/sources`). */
  serverName: 255,
  /** Short enumerations of source servers (`state`, `os_type`, …). */
  sourceServerText: 64,
  /** Servers in one page of `GET /v3/sources` (the documented page size is at most 200). */
  serverPage: 10_000,
  /** The `limit` a caller may ask of `GET /v3/sources`. */
  serverPageLimit: 1000,
} as const
