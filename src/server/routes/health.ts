// GET /healthz: liveness for process managers and load balancers.
import { routes } from '../../protocol/routes'
import { Elysia } from 'elysia'

export const healthRoutes = () => new Elysia().get(routes.health, () => ({ ok: true }))
