// The Elysia app: small route plugins composed over the services they need.
import { Elysia } from 'elysia'
import type { WorkspaceInboxCoordinator } from '../coordinator/inbox-coordinator'
import type { EventBus } from '../events/bus'
import { Inspector } from '../inspector/inspector'
import { InspectStream } from '../inspector/inspect-stream'
import type { DashboardHandle } from '../machines/dashboard'
import { apiRoutes } from './api'
import { assetRoutes, loadAssets } from './assets'
import { DashboardStream, type StreamOptions } from './dashboard-stream'
import { errorMapping } from './errors'
import { eventStreamRoutes } from './event-stream'
import { healthRoutes } from './health'
import { inspectRoutes } from './inspect-routes'
import { pageRoutes } from './page'
import { respondRoutes } from './respond'
import { security } from './security'
import { SseHub, type HubOptions } from './sse-hub'

export interface AppServices {
  bus: EventBus
  coordinator: WorkspaceInboxCoordinator
  dashboard: DashboardHandle
  token?: string
  hub?: HubOptions
  stream?: StreamOptions
  /** the observer passed to startDashboard's `inspect`; without one the inspector lists nothing */
  inspector?: Inspector
}

export function createApp(services: AppServices) {
  const { bus, coordinator, dashboard, token } = services
  const hub = new SseHub(services.hub)
  const stream = new DashboardStream(dashboard, hub, services.stream)
  const assets = loadAssets()
  const inspector = services.inspector ?? new Inspector()
  const inspectStream = new InspectStream(inspector, hub, { flushMs: services.stream?.flushMs })
  const app = new Elysia({ serve: { maxRequestBodySize: 2 << 20 } })
    .use(errorMapping)
    .use(security(token))
    .use(healthRoutes())
    .use(assetRoutes(assets.files))
    .use(pageRoutes(stream, assets.urls))
    .use(eventStreamRoutes(stream))
    .use(respondRoutes(coordinator))
    .use(apiRoutes({ bus, coordinator, stream }))
    .use(inspectRoutes({ inspector, stream: inspectStream, assets: assets.urls }))
    .onStop(() => {
      inspectStream.close()
      stream.close()
      hub.close()
    })
  return { app, hub, stream, inspector, inspectStream }
}
