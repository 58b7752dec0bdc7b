/** The test proxy now lives in `@sms-command/cli-kit/testing`, shared with the watch's tests. */
export { type EgressProxy, startEgressProxy } from '@sms-command/cli-kit/testing'
