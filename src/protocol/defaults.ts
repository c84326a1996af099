// The settings' defaults that modules below config.ts fall back to, each stated once with its reason.
// config.ts's table of settings shows them in --help and reads them into the Config; the event store,
// the view model and the webhook retry use them when they are built without one. They live here, at
// the bottom of the layout, because notify/ and events/ may not import config.ts.

export const DEFAULTS = {
  /** stored events older than this are pruned: a month of history to look back on */
  retainDays: 30,
  /** at most this many stored events are kept: about 300 MB of SQLite */
  retainEvents: 1_000_000,
  /** a working agent silent this long is marked quiet: long model calls take minutes, a dead agent takes forever */
  quietMinutes: 10,
  /** an agent of no graph, ended or silent this long, leaves the page: an hour to read what it did */
  retireMinutes: 60,
  /** a failed webhook notice is first tried again after this: a receiver back from a deploy gets it within seconds */
  webhookRetryMs: 2_000,
  /** …doubling up to this: a day's outage costs about 300 attempts per notice */
  webhookRetryCapMs: 5 * 60_000,
  /** an MCP session unused this long, with no call waiting, closes: a client killed overnight frees its slot, a day's pause keeps it */
  mcpIdleMinutes: 24 * 60,
  /** MCP sessions one client (a credential at an address) holds at most: a swarm's worth; past it its own oldest idle one closes */
  mcpSessionsPerClient: 100,
  /** …one address, whatever the credentials sent from it (unchecked without a token) */
  mcpSessionsPerAddress: 250,
  /** …in all: about 35 MB (a session measured 26 KB of heap, 33 KB of RSS) */
  mcpSessions: 1000,
} as const
