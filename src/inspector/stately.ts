// `--inspect=stately`: also feed Stately's hosted inspector when the optional package is installed; the built-in one always runs.
import type { InspectionEvent } from 'xstate'
import type { InspectionObserver } from '../machines/dashboard'
import { logger } from '../telemetry/log'

type Observe = (event: InspectionEvent) => void
interface StatelyModule {
  createSkyInspector?: (options?: Record<string, unknown>) => { inspect: InspectionObserver }
}

const toFunction = (o: InspectionObserver): Observe => (typeof o === 'function' ? o : (e) => o.next?.(e))

/** The observer to pass to startDashboard: the local one, plus Stately's when wanted and available. */
export async function withStately(local: Observe, wanted: boolean, log = (line: string) => logger('inspector').warn(line)): Promise<Observe> {
  if (!wanted) return local
  // A variable specifier keeps tsc and the bundler from requiring a package we do not depend on.
  const specifier = '@statelyai/inspect'
  let remote: Observe | undefined
  try {
    const mod = (await import(specifier)) as StatelyModule
    if (mod.createSkyInspector) remote = toFunction(mod.createSkyInspector({ onerror: (e: unknown) => log(`inspect=stately: ${String(e)}`) }).inspect)
  } catch {
    // Not installed (offline install, or never added): the message below says so, once.
  }
  if (!remote) {
    log('inspect=stately: @statelyai/inspect not available (offline?) — using the built-in inspector')
    return local
  }
  const stately = remote
  return (e) => {
    local(e)
    stately(e)
  }
}
