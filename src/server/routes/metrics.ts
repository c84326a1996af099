// GET /metrics: the process's Prometheus instruments in the text exposition format.
import { Elysia } from 'elysia'
import { routes } from '../../protocol/routes'
import { collectProcessMetrics, registry } from '../../telemetry/metrics'

export function metricsRoutes() {
  collectProcessMetrics()
  return new Elysia().get(routes.metrics, async () => new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType } }), {
    detail: { summary: 'Prometheus metrics (text format); SWITCHBOARD_METRICS_TOKEN opens this route alone', tags: ['operations'] },
  })
}
