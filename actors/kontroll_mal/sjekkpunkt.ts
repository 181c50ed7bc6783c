import { DomainError } from "../../runtime/core/mod.ts";
import { isLicenceClass } from "../validators/mod.ts";
import { AnswerType, SignOff, SjekkpunktKind } from "./types.ts";
import type { Sjekkpunkt } from "./types.ts";

/** The error codes a list of check points can fail with, per aggregate. */
export interface SjekkpunktErrorCodes {
  empty: string;
  invalid: string;
  duplicate: string;
}

const isOneOf = (values: Record<string, string>, v: unknown) =>
  typeof v === "string" && Object.hasOwn(values, v);

/**
 * Validates check points and returns clean copies (known fields only, titles
 * trimmed), so a template or a kontroll never stores stray input.
 */
export function normalizeSjekkpunkter(
  points: readonly Sjekkpunkt[],
  codes: SjekkpunktErrorCodes,
): Sjekkpunkt[] {
  if (!Array.isArray(points) || points.length === 0) {
    throw new DomainError(codes.empty, "A checklist needs at least one point", {
      status: 422,
    });
  }
  const seen = new Set<string>();
  return points.map((p, i) => {
    const tittel = typeof p?.tittel === "string" ? p.tittel.trim() : "";
    const valid = typeof p?.id === "string" && p.id.trim() !== "" &&
      tittel !== "" &&
      (p.beskrivelse === undefined || typeof p.beskrivelse === "string") &&
      isOneOf(SjekkpunktKind, p.kind) &&
      isOneOf(AnswerType, p.answerType) &&
      typeof p.required === "boolean" &&
      isOneOf(SignOff, p.signedOffBy) &&
      isLicenceClass(p.licenceClass);
    if (!valid) {
      throw new DomainError(codes.invalid, `Check point ${i} is not valid`, {
        status: 422,
      });
    }
    if (seen.has(p.id)) {
      throw new DomainError(
        codes.duplicate,
        `Check point id ${p.id} appears more than once`,
        { status: 422 },
      );
    }
    seen.add(p.id);
    return {
      id: p.id,
      tittel,
      beskrivelse: p.beskrivelse ?? "",
      kind: p.kind,
      answerType: p.answerType,
      required: p.required,
      signedOffBy: p.signedOffBy,
      licenceClass: p.licenceClass,
    };
  });
}
