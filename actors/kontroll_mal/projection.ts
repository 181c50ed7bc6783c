/**
 * The `kontroll_maler` read model: one row per checklist template with its
 * current revision and the size of its checklist.
 */
import { upsertFromJson } from "../../runtime/sql/mod.ts";
import { foldIntoTable } from "../../runtime/projection/mod.ts";
import { isoTimestamp } from "../../runtime/sql/mod.ts";
import { assertCurrentVersion } from "../../runtime/core/mod.ts";
import type { Commit } from "../../runtime/core/mod.ts";
import type { Projection } from "../../runtime/projection/mod.ts";
import type { SqlExecutor, UpsertColumn } from "../../runtime/sql/mod.ts";
import {
  KONTROLL_MAL_EVENT_TYPES,
  KontrollMalEventVersions,
} from "./events.ts";
import type { KontrollMalEvent } from "./events.ts";
import { KontrollMalStatus } from "./types.ts";
import type { Sjekkpunkt } from "./types.ts";

/** Name of the projection and of its table. */
export const KONTROLL_MALER_PROJECTION = "kontroll_maler";

/** A row of `kontroll_maler`. */
export interface KontrollMalRow {
  id: string;
  bedrift_id: string;
  navn: string;
  beskrivelse: string;
  status: KontrollMalStatus;
  revision: number;
  antall_sjekkpunkter: number;
  antall_pakrevde: number;
  /** Distinct licence classes of its check points, sorted. */
  licence_classes: string[];
  created_at: string;
  updated_at: string;
  created_position: number;
  version: number;
  position: number;
}

const COLUMNS: readonly UpsertColumn[] = [
  ["id", "text"],
  ["bedrift_id", "text"],
  ["navn", "text"],
  ["beskrivelse", "text"],
  ["status", "text"],
  ["revision", "integer"],
  ["antall_sjekkpunkter", "integer"],
  ["antall_pakrevde", "integer"],
  ["licence_classes", "jsonb"],
  ["created_at", "timestamptz"],
  ["updated_at", "timestamptz"],
  ["created_position", "bigint"],
  ["version", "integer"],
  ["position", "bigint"],
];
const SELECT = COLUMNS.map(([name]) => name).join(", ");
const UPSERT = upsertFromJson(KONTROLL_MALER_PROJECTION, COLUMNS, ["id"]);

const MIGRATIONS = [{
  version: 1,
  name: "create kontroll_maler",
  sql: `
    CREATE TABLE kontroll_maler (
      id text COLLATE "C" PRIMARY KEY,
      bedrift_id text NOT NULL,
      navn text NOT NULL,
      beskrivelse text NOT NULL,
      status text NOT NULL,
      revision integer NOT NULL,
      antall_sjekkpunkter integer NOT NULL,
      antall_pakrevde integer NOT NULL,
      licence_classes jsonb NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      created_position bigint NOT NULL,
      version integer NOT NULL,
      position bigint NOT NULL
    );
    CREATE INDEX kontroll_maler_bedrift_idx
      ON kontroll_maler (bedrift_id, status, id);
  `,
}];

function checklist(sjekkpunkter: readonly Sjekkpunkt[]) {
  return {
    antall_sjekkpunkter: sjekkpunkter.length,
    antall_pakrevde: sjekkpunkter.filter((p) => p.required).length,
    licence_classes: [...new Set(sjekkpunkter.map((p) => p.licenceClass))]
      .sort(),
  };
}

function evolve(
  row: KontrollMalRow | null,
  commit: Commit,
  event: KontrollMalEvent,
): KontrollMalRow {
  assertCurrentVersion(KontrollMalEventVersions, event);
  if (event.type === "kontroll_mal.created") {
    const d = event.data;
    return {
      id: commit.id,
      bedrift_id: d.bedriftId,
      navn: d.navn,
      beskrivelse: d.beskrivelse,
      status: KontrollMalStatus.AKTIV,
      revision: 1,
      ...checklist(d.sjekkpunkter),
      created_at: d.createdAt,
      updated_at: d.createdAt,
      created_position: commit.position,
      version: commit.version,
      position: commit.position,
    };
  }
  if (row === null) {
    throw new Error(
      `Kontroll-mal ${commit.id} has ${event.type} at position ${commit.position} before kontroll_mal.created`,
    );
  }
  switch (event.type) {
    case "kontroll_mal.updated": {
      const d = event.data;
      return {
        ...row,
        navn: d.navn ?? row.navn,
        beskrivelse: d.beskrivelse ?? row.beskrivelse,
        revision: d.revision,
        ...(d.sjekkpunkter ? checklist(d.sjekkpunkter) : {}),
        updated_at: d.updatedAt,
      };
    }
    case "kontroll_mal.archived":
      return {
        ...row,
        status: KontrollMalStatus.ARKIVERT,
        updated_at: event.data.archivedAt,
      };
  }
  throw new Error(
    `Unknown kontroll_mal event ${(event as KontrollMalEvent).type}`,
  );
}

function fromDb(row: Record<string, unknown>): KontrollMalRow {
  return {
    ...row,
    created_at: isoTimestamp(row.created_at),
    updated_at: isoTimestamp(row.updated_at),
  } as KontrollMalRow;
}

/** Projection of KontrollMal events into `kontroll_maler`; idempotent per row by stream version. */
export const kontrollMalerProjection: Projection = {
  name: KONTROLL_MALER_PROJECTION,
  eventTypes: KONTROLL_MAL_EVENT_TYPES,
  tables: [KONTROLL_MALER_PROJECTION],
  migrations: MIGRATIONS,
  apply(commits: readonly Commit[], tx: SqlExecutor): Promise<void> {
    return foldIntoTable(commits, tx, {
      table: "kontroll_maler",
      select: SELECT,
      upsert: UPSERT,
      fromDb: fromDb,
      evolve,
    });
  },
};
