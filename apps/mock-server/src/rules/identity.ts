import {
  parseAuthorization,
  type SignableRequest,
  verifySignature,
} from '@sms-command/core/signing'
import type { AccountRecord, AuthOutcome } from '../types.ts'
import { LATEST_CLOCK_MS } from './time-bounds.ts'

/** An IAM user of an account. */
export interface UserRecord {
  id: string
  name: string
  password: string
  account: string
  enabled: boolean
}

/** A token the mock accepts: configured (`static`) or issued by its IAM. */
export interface TokenRecord {
  kind: 'static' | 'issued'
  account: string
  /** Issuing user, for issued tokens. */
  user?: string
  issuedAt: number
  /** `null`: never expires. */
  expiresAt: number | null
  /**
   * Expired by the admin API ("expire now"): stays expired whatever the mock clock does after,
   * as a revoked token stays revoked. A natural expiry (`expiresAt`) follows the clock.
   */
  expired?: boolean
  revoked: boolean
  /**
   * Its label in journals, events and the admin view: {@link fingerprint}, extended when another
   * token of the mock has the same one (set by {@link setToken}; absent in records stored before
   * it was, which then use `fingerprint(token)`).
   */
  fingerprint?: string
}

/** An access key pair. */
export interface AccessKeyRecord {
  ak: string
  sk: string
  account: string
  /** The IAM user it belongs to, when known: its requests share that user's rate limit. */
  user?: string
  /** Temporary credentials: requests must carry it as `X-Security-Token`. */
  securityToken?: string
  failures: number
  lockedUntil: number | null
}

/** Every credential the mock knows, keyed for lookup. Maps keep insertion order for eviction. */
export interface IdentityState {
  accounts: Map<string, AccountRecord>
  /** Keyed `account/name`. */
  users: Map<string, UserRecord>
  tokens: Map<string, TokenRecord>
  accessKeys: Map<string, AccessKeyRecord>
}

export const MAX_ISSUED_TOKENS = 10_000
/** docs/api.md §5.7: five consecutive signature failures lock the AK for five minutes. */
export const LOCK_AFTER_FAILURES = 5
export const LOCK_MS = 5 * 60_000

export function createIdentityState(): IdentityState {
  return { accounts: new Map(), users: new Map(), tokens: new Map(), accessKeys: new Map() }
}

/** 32-bit FNV-1a of a string's UTF-16 code units. */
function fnv1a32(text: string, basis = 0x811c9dc5): number {
  let h = basis
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A 32-bit multiply–xorshift hash (murmur3's finalizer), unrelated to FNV-1a's structure. */
function mix32(text: string, seed: number): number {
  let h = (0xdeadbeef ^ seed) >>> 0
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x9e3779b1)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

const hex8 = (n: number) => n.toString(16).padStart(8, '0')

/**
 * Short, stable, non-reversible label of a secret, for journals and events: 64 bits (FNV-1a and
 * an independent hash side by side), 64 more per extra round. A 32-bit label let two tokens share
 * one principal and so one rate-limit budget; {@link setToken} also extends a label until it is
 * unique among the mock's tokens.
 *
 * @example
 * fingerprint('tok-1549599') // '#7c6823c2…' (17 characters), never the token
 */
export function fingerprint(secret: string, rounds = 1): string {
  let out = hex8(fnv1a32(secret)) + hex8(mix32(secret, 0))
  for (let round = 1; round < rounds; round++) {
    out += hex8(fnv1a32(secret, fnv1a32(`${round}`))) + hex8(mix32(secret, round))
  }
  return `#${out}`
}

/**
 * Stores a token with a fingerprint no other token of the mock has: the principal a static token
 * acts as is named after it, so two tokens with one label would share a rate-limit budget and
 * look the same in journals and events.
 *
 * @example
 * setToken(state, 'tok-1', { kind: 'static', account: 'demo', issuedAt: 0, expiresAt: null, revoked: false })
 */
export function setToken(state: IdentityState, token: string, record: TokenRecord): TokenRecord {
  const taken = (label: string) => {
    for (const [other, existing] of state.tokens) {
      if (other !== token && tokenLabel(other, existing) === label) return true
    }
    return false
  }
  let rounds = 1
  let label = fingerprint(token)
  // Distinct tokens share all 64·rounds bits only by a collision of every round; numbering is the
  // last resort that can never repeat.
  while (taken(label) && rounds < 4) label = fingerprint(token, ++rounds)
  for (let n = 2; taken(label); n++) label = `${fingerprint(token, rounds)}-${n}`
  const stored = { ...record, fingerprint: label }
  state.tokens.set(token, stored)
  return stored
}

/** A token's label: the one it was stored with, or its fingerprint. */
export const tokenLabel = (token: string, record: TokenRecord): string =>
  record.fingerprint ?? fingerprint(token)

/** Adds an account, with a default project named after the mock's region. */
export function addAccount(state: IdentityState, name: string, id?: string): AccountRecord {
  const existing = state.accounts.get(name)
  if (existing) return existing
  const accountId = id ?? defaultAccountId(name)
  const record: AccountRecord = {
    id: accountId,
    name,
    projects: [
      { id: `${accountId.slice(0, 24)}ap-southeast-1`.slice(0, 32), name: 'ap-southeast-1' },
    ],
  }
  state.accounts.set(name, record)
  return record
}

/** A 32-hex account id derived from its name, stable across runs (real ids are 32 hex). */
export function defaultAccountId(name: string): string {
  let out = ''
  for (let round = 0; out.length < 32; round++) out += hex8(fnv1a32(`${round}:${name}`))
  return out.slice(0, 32)
}

export function findAccount(state: IdentityState, nameOrId: string): AccountRecord | undefined {
  const byName = state.accounts.get(nameOrId)
  if (byName) return byName
  for (const account of state.accounts.values()) if (account.id === nameOrId) return account
  return undefined
}

/** Outcome of the IAM password flow. */
export type IssueOutcome =
  | { ok: true; token: string; record: TokenRecord; user: UserRecord; account: AccountRecord }
  | { ok: false; status: 400 | 401; message: string }

/** The parts of `POST /v3/auth/tokens` the mock checks (docs/api.md §4). */
export interface PasswordAuthInput {
  user: string
  password: string
  domain: { name?: string | undefined; id?: string | undefined }
  scope:
    | { domain: { name?: string | undefined; id?: string | undefined } }
    | { project: { name?: string | undefined; id?: string | undefined } }
    | undefined
}

function randomToken(): string {
  const bytes = new Uint8Array(64)
  crypto.getRandomValues(bytes)
  let text = ''
  for (const byte of bytes) text += String.fromCharCode(byte)
  // Real IAM tokens are long base64 strings starting "MII".
  return `MII${btoa(text).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '')}`
}

/** Checks a password and issues a token valid for `ttlMs` on the mock clock. */
export function issueToken(
  state: IdentityState,
  input: PasswordAuthInput,
  now: number,
  ttlMs: number,
): IssueOutcome {
  const domainKey = input.domain.name ?? input.domain.id ?? ''
  const account = findAccount(state, domainKey)
  const user = account ? state.users.get(`${account.name}/${input.user}`) : undefined
  // One message for every credential failure, as IAM does: it must not tell which part was wrong.
  const denied = {
    ok: false,
    status: 401,
    message: 'The username or password is wrong, or the user does not belong to this account.',
  } as const
  if (!account || !user || user.password !== input.password) return denied
  if (!user.enabled) return { ok: false, status: 401, message: 'The user is disabled.' }
  if (input.scope && 'domain' in input.scope) {
    const { name, id } = input.scope.domain
    if ((name !== undefined && name !== account.name) || (id !== undefined && id !== account.id)) {
      return { ok: false, status: 401, message: 'The scope names another account than the user’s.' }
    }
  } else if (input.scope && 'project' in input.scope) {
    const { name, id } = input.scope.project
    const project = account.projects.find(
      (p) => (name === undefined || p.name === name) && (id === undefined || p.id === id),
    )
    if (!project) return { ok: false, status: 401, message: 'The scope names an unknown project.' }
  }
  const token = randomToken()
  const record = setToken(state, token, {
    kind: 'issued',
    account: account.name,
    user: user.name,
    issuedAt: now,
    // `expires_at` is a wire date clients parse: it keeps a four-digit year, so a token issued
    // less than `ttlMs` before the clock's end expires at its last instant.
    expiresAt: Math.min(now + ttlMs, LATEST_CLOCK_MS),
    revoked: false,
  })
  if (state.tokens.size > MAX_ISSUED_TOKENS) {
    for (const [key, value] of state.tokens) {
      if (value.kind === 'issued') {
        state.tokens.delete(key)
        break
      }
    }
  }
  return { ok: true, token, record, user, account }
}

/** Checks an `X-Auth-Token`. */
export function authenticateToken(state: IdentityState, token: string, now: number): AuthOutcome {
  const record = state.tokens.get(token)
  if (!record) return { ok: false, reason: 'unknown-token', message: 'The token is not valid.' }
  if (record.revoked) {
    return { ok: false, reason: 'revoked-token', message: 'The token has been revoked.' }
  }
  if (record.expired === true || (record.expiresAt !== null && now >= record.expiresAt)) {
    return {
      ok: false,
      reason: 'expired-token',
      message: `The token expired at ${new Date(record.expiresAt ?? now).toISOString()}.`,
    }
  }
  let outcome = accepted.get(record)
  if (outcome === undefined) {
    outcome = {
      ok: true,
      principal: {
        kind: record.kind === 'static' ? 'static-token' : 'iam-token',
        account: record.account,
        name: record.user ?? `token${tokenLabel(token, record)}`,
      },
    }
    accepted.set(record, outcome)
  }
  return outcome
}

// A token's principal never changes: it is built once per token record, not per request (a
// record copied out of Durable Object storage just misses the cache).
const accepted = new WeakMap<TokenRecord, AuthOutcome>()

/**
 * Verifies an AK/SK-signed request with core's `verifySignature` on the mock clock, and keeps
 * docs/api.md §5.7's lock: five consecutive bad signatures lock the AK for five minutes.
 */
export async function authenticateSignature(
  state: IdentityState,
  input: WireRequest,
  now: number,
  maxSkewMs: number,
): Promise<AuthOutcome> {
  const headers = new Headers(input.headers)
  const request: SignableRequest = {
    method: input.method,
    url: input.url,
    headers,
    body: input.body,
  }
  const parsed = parseAuthorization(headers.get('authorization') ?? '')
  const key = parsed ? state.accessKeys.get(parsed.ak) : undefined
  if (key?.lockedUntil != null && now < key.lockedUntil) {
    return {
      ok: false,
      reason: 'ak-locked',
      message: `Access key ${key.ak} is locked until ${new Date(key.lockedUntil).toISOString()} after ${LOCK_AFTER_FAILURES} consecutive signature failures.`,
    }
  }
  let verified: Awaited<ReturnType<typeof verifySignature>>
  try {
    verified = await verifySignature(request, (ak) => state.accessKeys.get(ak)?.sk, {
      now: new Date(now),
      maxSkewMs,
    })
  } catch (error) {
    return {
      ok: false,
      reason: 'malformed-signature',
      message: `The signed request could not be read: ${error instanceof Error ? error.message : 'unknown error'}`,
    }
  }
  if (!verified.ok) {
    if (verified.reason === 'bad-signature' && key) {
      key.failures++
      if (key.failures >= LOCK_AFTER_FAILURES) {
        key.lockedUntil = now + LOCK_MS
        key.failures = 0
      }
    }
    const reason =
      verified.reason === 'missing' || verified.reason === 'malformed'
        ? 'malformed-signature'
        : verified.reason
    return { ok: false, reason, message: verified.message }
  }
  const record = state.accessKeys.get(verified.ak)
  if (!record) return { ok: false, reason: 'unknown-ak', message: 'The access key is unknown.' }
  record.failures = 0
  record.lockedUntil = null
  const account = state.accounts.get(record.account)
  const domainId = headers.get('x-domain-id')
  if (domainId !== null && account && domainId !== account.id && domainId !== account.name) {
    return {
      ok: false,
      reason: 'domain-mismatch',
      message: `X-Domain-Id names another account than the one access key ${record.ak} belongs to.`,
    }
  }
  if (
    record.securityToken !== undefined &&
    headers.get('x-security-token') !== record.securityToken
  ) {
    return {
      ok: false,
      reason: 'bad-signature',
      message: `Access key ${record.ak} is temporary: X-Security-Token is missing or wrong.`,
    }
  }
  return {
    ok: true,
    principal: {
      kind: 'ak-sk',
      account: record.account,
      name: record.ak,
      ...(record.user !== undefined ? { user: record.user } : {}),
    },
  }
}

/** A request as plain data (it crosses Durable Object boundaries), for signature checks. */
export interface WireRequest {
  method: string
  url: string
  headers: [string, string][]
  body: Uint8Array
}

/** Which tokens an expire or revoke call touches. */
export interface TokenSelector {
  /** The token itself. */
  token?: string | undefined
  user?: string | undefined
  account?: string | undefined
  kind?: 'static' | 'issued' | 'all' | undefined
}

/**
 * Expires (at `now`, for good: see {@link TokenRecord.expired}) or revokes the selected tokens;
 * returns how many were still valid and changed.
 */
export function invalidateTokens(
  state: IdentityState,
  selector: TokenSelector,
  action: 'expire' | 'revoke',
  now: number,
): number {
  let changed = 0
  for (const [token, record] of state.tokens) {
    if (selector.token !== undefined && token !== selector.token) continue
    if (selector.user !== undefined && record.user !== selector.user) continue
    if (selector.account !== undefined && record.account !== selector.account) continue
    const kind = selector.kind ?? 'all'
    if (kind !== 'all' && record.kind !== kind) continue
    if (action === 'revoke') {
      if (record.revoked) continue
      record.revoked = true
    } else {
      if (record.expired === true) continue
      // Marked even when the clock has already passed its expiry, so moving the clock back
      // does not bring it back; counted only if it was still valid.
      record.expired = true
      if (record.expiresAt !== null && record.expiresAt <= now) continue
      record.expiresAt = now
    }
    changed++
  }
  return changed
}

/** What the admin API shows of the identities: never a password, token or SK. */
export interface IdentityView {
  accounts: AccountRecord[]
  users: { name: string; account: string; enabled: boolean }[]
  tokens: {
    fingerprint: string
    kind: 'static' | 'issued'
    account: string
    user?: string
    expiresAt: string | null
    revoked: boolean
  }[]
  accessKeys: {
    ak: string
    account: string
    user?: string
    lockedUntil: string | null
    temporary: boolean
  }[]
}

/** The admin view of identities: names, fingerprints and states, never a secret. */
export function viewIdentityOf(identity: IdentityState): IdentityView {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())
  return {
    accounts: [...identity.accounts.values()],
    users: [...identity.users.values()].map((u) => ({
      name: u.name,
      account: u.account,
      enabled: u.enabled,
    })),
    tokens: [...identity.tokens.entries()].map(([token, t]) => ({
      fingerprint: tokenLabel(token, t),
      kind: t.kind,
      account: t.account,
      ...(t.user !== undefined ? { user: t.user } : {}),
      expiresAt: iso(t.expiresAt),
      revoked: t.revoked,
    })),
    accessKeys: [...identity.accessKeys.values()].map((k) => ({
      ak: k.ak,
      account: k.account,
      ...(k.user !== undefined ? { user: k.user } : {}),
      lockedUntil: iso(k.lockedUntil),
      temporary: k.securityToken !== undefined,
    })),
  }
}

/** Serializable form, for Durable Object storage. */
export function identityToJSON(state: IdentityState) {
  return {
    accounts: [...state.accounts.values()],
    users: [...state.users.values()],
    tokens: [...state.tokens.entries()],
    accessKeys: [...state.accessKeys.values()],
  }
}

export function identityFromJSON(json: ReturnType<typeof identityToJSON>): IdentityState {
  return {
    accounts: new Map(json.accounts.map((a) => [a.name, a])),
    users: new Map(json.users.map((u) => [`${u.account}/${u.name}`, u])),
    tokens: new Map(json.tokens),
    accessKeys: new Map(json.accessKeys.map((k) => [k.ak, k])),
  }
}
