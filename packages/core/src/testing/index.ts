export * from './virtual-scheduler.ts'
