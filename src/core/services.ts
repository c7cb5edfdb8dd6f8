/**
 * Builds the service layer from a config. The CLI (local commands) and the
 * daemon both start here, so every adapter calls the same functions.
 */
import { openDb, type OpenedDb } from "../db/open.ts";
import { AuditLog, type AuditEvent } from "./audit/audit-log.ts";
import { Catalog } from "./catalog/catalog.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { Config } from "./config/load.ts";
import { Discovery } from "./discovery/discovery.ts";
import { EventBus } from "./events.ts";
import { CatalogSearch } from "./search/search.ts";

export interface Services {
  config: Config;
  clock: Clock;
  store: OpenedDb;
  events: EventBus;
  audit: AuditLog;
  catalog: Catalog;
  search: CatalogSearch;
  discovery: Discovery;
  close(): void;
}

export function createServices(config: Config, clock: Clock = systemClock): Services {
  const store = openDb(config.paths.db);
  const events = new EventBus();
  const audit = new AuditLog(store.db, clock, (e: AuditEvent) => events.emit({ type: "audit", event: e }));
  const catalog = new Catalog(store.sqlite, store.db, clock);
  const search = new CatalogSearch(store.sqlite);
  const discovery = new Discovery(catalog, audit, clock, config.limits, () => config.scanRoots);
  return { config, clock, store, events, audit, catalog, search, discovery, close: () => store.close() };
}
