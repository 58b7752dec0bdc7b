// npm i undici (core itself doesn't import it). undici 8's Agent needs undici's own fetch:
// Node's built-in fetch (undici 7 on Node 24) refuses it. Core calls its fetch with a URL and
// plain options; undici's types differ from the DOM's, hence the casts.
import { Agent, fetch as undiciFetch } from 'undici'

const dispatcher = new Agent({ maxHeaderSize: 65_536 })
export const fetch = ((input: string | URL, init?: RequestInit) =>
  undiciFetch(input, { ...init, dispatcher } as Parameters<
    typeof undiciFetch
  >[1])) as unknown as typeof globalThis.fetch
