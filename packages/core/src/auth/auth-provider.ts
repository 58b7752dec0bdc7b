/** The request an {@link AuthProvider} authorizes: everything AK/SK signing covers. */
export interface AuthRequest {
  method: string
  url: URL
  headers: Headers
  body: string | null
  /**
   * The server's clock minus the local one, in ms, as the client measured it (response `Date`
   * headers, gateway skew reports). A signer adds it to its clock so a drifted machine still
   * signs with the server's time; absent until measured.
   */
  clockOffsetMs?: number
}

/** Headers an {@link AuthProvider} adds to a request. */
export type AuthHeaders = Readonly<Record<string, string>>

/**
 * Adds credentials to SMS requests. Core ships {@link staticToken}, {@link iamPasswordToken}
 * and {@link akSk}; any object of this shape works.
 */
export interface AuthProvider {
  /** For logs: which kind of credential this is. Never the credential itself. */
  readonly kind: string
  /** Returns the headers that authorize `request`. */
  authorize(request: AuthRequest, signal?: AbortSignal): Promise<AuthHeaders>
  /**
   * Present when a 401 can be cured by fresh credentials. `rejected` is what `authorize`
   * returned for the refused request; a provider that has already replaced those credentials
   * (another call refreshed first) returns at once, so concurrent 401s cause one refresh.
   */
  refresh?(rejected: AuthHeaders, signal?: AbortSignal): Promise<void>
}
