/**
 * Keeps the last `limit` bytes of a stream of chunks (a handler's stdout and stderr, interleaved
 * as they arrive), so a chatty handler can't grow the agent's memory or the result report.
 *
 * @example
 * const tail = new OutputTail(4096)
 * child.stdout.on('data', (chunk) => tail.push(chunk))
 * tail.text() // the last 4 KiB as UTF-8
 */
export class OutputTail {
  private chunks: Uint8Array[] = []
  private kept = 0
  /** Bytes seen in total. */
  total = 0

  constructor(readonly limit: number) {}

  /**
   * Counts `bytes` the tail never sees (a file's middle, read past): they push out everything
   * kept, since what follows them refills the window.
   */
  skip(bytes: number): void {
    if (bytes <= 0) return
    this.total += bytes
    this.chunks = []
    this.kept = 0
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.byteLength
    if (this.limit === 0) return
    const piece =
      chunk.byteLength > this.limit ? chunk.subarray(chunk.byteLength - this.limit) : chunk
    this.chunks.push(piece)
    this.kept += piece.byteLength
    while (this.kept > this.limit) {
      const first = this.chunks[0] as Uint8Array
      const excess = this.kept - this.limit
      if (first.byteLength <= excess) {
        this.chunks.shift()
        this.kept -= first.byteLength
      } else {
        this.chunks[0] = first.subarray(excess)
        this.kept -= excess
      }
    }
  }

  /** True when bytes were dropped from the front. */
  get truncated(): boolean {
    return this.total > this.kept
  }

  /** The kept bytes as text; a character cut in half at the front becomes U+FFFD. */
  text(): string {
    const joined = new Uint8Array(this.kept)
    let offset = 0
    for (const chunk of this.chunks) {
      joined.set(chunk, offset)
      offset += chunk.byteLength
    }
    return new TextDecoder().decode(joined)
  }
}
