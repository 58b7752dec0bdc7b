export * from './fake-sms.ts'
export * from './virtual-scheduler.ts'
