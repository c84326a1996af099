// GET /healthz: liveness for process managers and load balancers.
import { Elysia } from 'elysia'

export const healthRoutes = () => new Elysia().get('/healthz', () => ({ ok: true }))
