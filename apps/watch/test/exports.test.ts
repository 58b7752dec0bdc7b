/**
 * The package's public API, pinned: what `@sms-command/watch` exports at run time, and that the
 * types an embedder needs are importable. A name added or removed here is an API change (see the
 * CHANGELOG), not a refactoring.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import type {
  ApiSourceOptions,
  MockSourceOptions,
  ServerUpdate,
  ServerView,
  SourceStatus,
  WatchConfig,
  WatchState,
  WatchStore,
} from '../src/index.ts'
import * as watch from '../src/index.ts'

describe('@sms-command/watch exports', () => {
  it('exports the app, its run function, the sources, the store and the views, nothing else', () => {
    expect(Object.keys(watch).sort()).toEqual([
      'ConfigError',
      'WatchApp',
      'WatchView',
      'createFleetBudget',
      'createStore',
      'createUpdateBatcher',
      'helpText',
      'initialState',
      'main',
      'parseCommandLine',
      'reduce',
      'runWatch',
      'startAgentSource',
      'startApiSource',
      'startDiscovery',
      'startMockSource',
      'startNdjson',
      'version',
    ])
  })

  it('types what the sources emit and what the store holds', () => {
    expectTypeOf<MockSourceOptions['emit']>().toEqualTypeOf<(update: ServerUpdate) => void>()
    expectTypeOf<ApiSourceOptions['status']>().toEqualTypeOf<(status: SourceStatus) => void>()
    expectTypeOf<WatchStore['getState']>().returns.toEqualTypeOf<WatchState>()
    expectTypeOf(watch.initialState).returns.toEqualTypeOf<WatchState>()
    expectTypeOf(watch.runWatch).parameter(0).toEqualTypeOf<WatchConfig>()
    expectTypeOf<ServerView['id']>().toEqualTypeOf<string>()
  })
})
