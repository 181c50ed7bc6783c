/**
 * The origin of a stream: what the integration events of its later commits
 * need from its first one (the bedrift of an invoice is in its draft, the
 * vehicle of a kontroll in its creation).
 */
import type { Commit } from "../../runtime/core/mod.ts";
import type { InvoiceEvent } from "../invoice/mod.ts";
import type { KontrollCreated } from "../kontroll/mod.ts";
import type { EmployeeHired } from "../employee/mod.ts";
import { orgnr } from "./support.ts";

/** An invoice's, from `invoice.drafted`. */
export interface InvoiceOrigin {
  kind: "invoice";
  bedriftId: string;
  kunde: {
    kind: "PRIVAT" | "BEDRIFT";
    organisasjonsnummer: string | null;
    kundenummer: string | null;
  };
  kreditnotaFor: string | null;
}

/** A kontroll's, from `kontroll.created`. */
export interface KontrollOrigin {
  kind: "kontroll";
  bedriftId: string;
  malId: string;
  malRevision: number;
  registreringsnummer: string;
  instructorId: string;
  learnerId: string | null;
}

/** An employee's, from `employee.hired`. */
export interface EmployeeOrigin {
  kind: "employee";
  bedriftId: string;
}

export type StreamOrigin = InvoiceOrigin | KontrollOrigin | EmployeeOrigin;

type Drafted = Extract<InvoiceEvent, { type: "invoice.drafted" }>["data"];

/** The origin a stream's first commit gives, or null (nothing later needs). */
export function streamOrigin(commit: Commit): StreamOrigin | null {
  const first = commit.events[0];
  if (!first) return null;
  switch (first.type) {
    case "invoice.drafted": {
      const d = first.data as Drafted;
      return {
        kind: "invoice",
        bedriftId: d.bedriftId,
        kunde: {
          kind: d.kunde.kind,
          organisasjonsnummer: d.kunde.kind === "BEDRIFT"
            ? orgnr(d.kunde.organisasjonsnummer)
            : null,
          kundenummer: d.kunde.kundenummer ?? null,
        },
        kreditnotaFor: d.kreditnotaFor?.invoiceId ?? null,
      };
    }
    case "kontroll.created": {
      const d = first.data as KontrollCreated["data"];
      return {
        kind: "kontroll",
        bedriftId: d.bedriftId,
        malId: d.mal.id,
        malRevision: d.mal.revision,
        registreringsnummer: d.registreringsnummer,
        instructorId: d.instructorId,
        learnerId: d.learnerId,
      };
    }
    case "employee.hired": {
      const d = first.data as EmployeeHired["data"];
      return { kind: "employee", bedriftId: d.bedriftId };
    }
  }
  return null;
}
