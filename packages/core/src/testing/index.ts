export * from './virtual-scheduler.ts'
export * from './fake-sms.ts'
