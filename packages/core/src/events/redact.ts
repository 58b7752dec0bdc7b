/**
 * Replaces secrets in what leaves the process: log lines, events, result reports.
 *
 * @example
 * const redactor: Redactor = createRedactor([token])
 * write(redactor.text(line))
 */
export interface Redactor {
  /** `text` with every secret replaced by `[REDACTED]`. */
  text(text: string): string
  /** A JSON value with every string in it (keys included) redacted; the same value when no secret is in it. */
  value<T>(value: T): T
}

/**
 * What a secret is replaced with.
 *
 * @example
 * createRedactor(['s3cret']).text('s3cret') === REDACTED_TEXT // true
 */
export const REDACTED_TEXT = '[REDACTED]'

/**
 * Shortest secret that is redacted: shorter strings would mangle ordinary words, and no token,
 * password or secret key is that short.
 *
 * @example
 * createRedactor(['abc']).text('abc') // 'abc': shorter than MIN_SECRET_LENGTH
 */
export const MIN_SECRET_LENGTH = 4

/**
 * A redactor for `secrets` (tokens, passwords, secret keys), matching each also as it appears
 * inside a JSON string (a `"` or `\` in a password is escaped there). A second line of defence
 * behind code that never puts a secret into a message: a handler that echoes a credential file, or
 * an error that quotes one, must not carry it into a log or a report to SMS.
 *
 * @example
 * const redactor = createRedactor(['s3cret-token'])
 * redactor.text('login with s3cret-token failed') // 'login with [REDACTED] failed'
 * redactor.value({ output: ['s3cret-token'] }) // { output: ['[REDACTED]'] }
 */
export function createRedactor(secrets: Iterable<string>): Redactor {
  const forms = new Set<string>()
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) continue
    forms.add(secret)
    forms.add(JSON.stringify(secret).slice(1, -1))
  }
  // Longest first, so a secret that contains another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length)
  const text = (input: string): string => {
    let clean = input
    for (const secret of ordered) {
      if (clean.includes(secret)) clean = clean.split(secret).join(REDACTED_TEXT)
    }
    return clean
  }
  const value = <T>(input: T): T => {
    if (ordered.length === 0) return input
    if (typeof input === 'string') return text(input) as T
    if (Array.isArray(input)) {
      let changed = false
      const out = input.map((item) => {
        const clean = value(item)
        if (clean !== item) changed = true
        return clean
      })
      return (changed ? out : input) as T
    }
    if (typeof input === 'object' && input !== null) {
      let changed = false
      const out: Record<string, unknown> = {}
      for (const [key, item] of Object.entries(input)) {
        const cleanKey = text(key)
        const clean = value(item)
        if (clean !== item || cleanKey !== key) changed = true
        out[cleanKey] = clean
      }
      return (changed ? out : input) as T
    }
    return input
  }
  return { text, value }
}
