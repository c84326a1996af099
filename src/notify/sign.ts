// Signing a webhook body so the receiver can tell it came from us, and recently (the timestamp is signed with it).
import { createHmac } from 'node:crypto'

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`), timestamp in unix seconds. */
export function signature(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`
}
