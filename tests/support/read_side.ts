import { registerBedrift } from "../../actors/bedrift/mod.ts";
import { mod11CheckDigit } from "../../actors/validators/mod.ts";
import { sqlIdentifier } from "../../runtime/sql/mod.ts";
import type { ActorSystem } from "../../runtime/actor/mod.ts";
import type { SqlExecutor } from "../../runtime/sql/mod.ts";

const ORGNR_WEIGHTS = [3, 2, 7, 6, 5, 4, 3, 2] as const;

/** The `n`-th valid organisasjonsnummer after `base` (8 digits). */
export function orgnr(n: number, base = 91_000_000): string {
  let seed = base + n * 3;
  while (true) {
    const digits = String(seed);
    const check = mod11CheckDigit(digits, ORGNR_WEIGHTS);
    if (check !== null) return digits + check;
    seed += 1;
  }
}

const AT = "2025-03-10T09:00:00.000Z";

/** Registers a bedrift; returns its commit position. */
export async function addBedrift(
  system: ActorSystem,
  id: string,
  navn: string,
  n: number,
): Promise<number> {
  const result = await registerBedrift(system, {
    id,
    organisasjonsnummer: orgnr(n),
    details: { navn, poststed: "Oslo", postnummer: "0150" },
    at: AT,
  });
  return result.position;
}

/** Drafts an invoice with lines; returns the last commit's position. */
export async function addInvoice(
  system: ActorSystem,
  id: string,
  bedriftId: string,
  kunde: string,
  lines: { antall: string; enhetspris: string; mvaSats: number }[] = [],
  at = AT,
): Promise<number> {
  let { position } = await system.ask("invoice", id, {
    type: "draft",
    bedriftId,
    kunde: { navn: kunde },
    at,
  });
  for (const [i, line] of lines.entries()) {
    ({ position } = await system.ask("invoice", id, {
      type: "add_line",
      lineId: `l${i}`,
      beskrivelse: `Kjøretime ${i + 1}`,
      ...line,
      at,
    }));
  }
  return position;
}

/**
 * A mixed history: bedrifter registered, updated, suspended, with invoice
 * settings; invoices drafted with lines added and removed.
 */
export async function seedWorkload(
  system: ActorSystem,
  prefix: string,
  count: number,
  offset = 0,
): Promise<number> {
  let position = 0;
  for (let i = 0; i < count; i++) {
    const id = `${prefix}b${i}`;
    position = await addBedrift(
      system,
      id,
      `Øvingskjøring ${prefix} ${i}`,
      offset + i,
    );
    if (i % 2 === 0) {
      ({ position } = await system.ask("bedrift", id, {
        type: "update",
        changes: { navn: `Åsen Trafikkskole ${prefix} ${i}`, telefon: null },
        at: AT,
      }));
    }
    if (i % 3 === 0) {
      ({ position } = await system.ask("bedrift", id, {
        type: "change_status",
        status: "SUSPENDERT",
        reason: "Ubetalt",
        at: AT,
      }));
    }
    if (i % 4 === 0) {
      ({ position } = await system.ask("bedrift", id, {
        type: "change_invoice_settings",
        changes: { forfallsdager: 30, purregebyr: "70.00", fakturaPrefix: "F" },
        at: AT,
      }));
    }
    const invoice = `${prefix}i${i}`;
    position = await addInvoice(system, invoice, id, `Elev ${i}`, [
      { antall: "1.5", enhetspris: "650.00", mvaSats: 25 },
      { antall: "1", enhetspris: "0.10", mvaSats: 25 },
      { antall: "2", enhetspris: "199.99", mvaSats: 0 },
    ]);
    if (i % 2 === 1) {
      ({ position } = await system.ask("invoice", invoice, {
        type: "remove_line",
        lineId: "l1",
        at: AT,
      }));
    }
  }
  return position;
}

/** Every row of `tables`, ordered by id: the content a rebuild must reproduce. */
export async function dumpTables(
  db: SqlExecutor,
  tables: readonly string[],
): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of tables) {
    out[table] = await db.query(
      // Ids repeat across parents in child tables (a line id per invoice).
      `SELECT * FROM ${sqlIdentifier(table)} AS t ORDER BY t.id, t::text`,
    );
  }
  return out;
}
