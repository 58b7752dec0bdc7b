/** Length limits from the SMS API reference (API.md §1–2), in characters. */
export const LIMITS = {
  serverId: { min: 1, max: 255 },
  authToken: { min: 1, max: 16_384 },
  commandName: 255,
  taskId: 255,
  bucket: 255,
  errorCode: 255,
  errorMsg: 1024,
} as const
