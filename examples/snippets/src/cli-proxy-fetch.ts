import {
  createRuntimeFetch,
  describeProxies,
  readProxyEnvironment,
} from '@sms-command/cli-kit/proxy-fetch'

const endpoint = 'https://sms.ap-southeast-1.myhuaweicloud.com'
const iamEndpoint = 'https://iam.ap-southeast-1.myhuaweicloud.com'

const fetch = createRuntimeFetch() // every request: polls, reports, IAM logins, SSE streams
const proxies = describeProxies(
  { SMS: endpoint, IAM: iamEndpoint },
  readProxyEnvironment((name) => process.env[name]),
)
if (proxies) console.log(proxies.message) // "requests go through the egress proxy http://proxy.corp:3128 (SMS, IAM), …"
