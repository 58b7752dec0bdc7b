// Entry for workerd: the smoke suite runs inside a request, as Workers code does.
import { runSmokeSuite } from './smoke-suite.ts'

export default {
  async fetch(): Promise<Response> {
    return Response.json(await runSmokeSuite())
  },
}
