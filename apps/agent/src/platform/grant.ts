/** A Deno permission the agent needs, e.g. `{ name: 'net', value: 'sms.example.com:443' }`. */
export interface Grant {
  name: 'net' | 'read' | 'write' | 'run' | 'env'
  value: string
}
