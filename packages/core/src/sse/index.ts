/**
 * `@sms-command/core/sse`: the one Server-Sent Events reader every consumer uses (the watch's
 * mock and agent sources, the demo script), and the one writer of the frames both producers send
 * (the agent's `/events`, the mock's `/_mock/events`). Web APIs only; fetch and clock are
 * injectable.
 *
 * @example
 * import { followEventStream } from '@sms-command/core/sse'
 * await followEventStream({ url: 'http://127.0.0.1:9464/events', signal,
 *   onMessage: (m) => console.log(m.data), onStatus: (status) => console.log(status) })
 *
 * @module
 */
export * from './follow-event-stream.ts'
export * from './sse-frame.ts'
