// Awaiting bus events in tests: subscribe before acting, so the event cannot be missed.
import type { EventBus } from '../../src/events/bus'
import type { Event } from '../../src/protocol/event'

/** The next bus event matching `match`, or a rejection after `timeoutMs`. */
export function nextEvent(bus: EventBus, match: (e: Event) => boolean, timeoutMs = 5_000): Promise<Event> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop()
      reject(new Error('no matching event on the bus in time'))
    }, timeoutMs)
    const stop = bus.listen((e) => {
      if (!match(e)) return
      clearTimeout(timer)
      stop()
      resolve(e)
    })
  })
}
