import { KONTROLL } from "./types.ts";
import { NotFoundError } from "../../runtime/core/mod.ts";
import { kontrollEvent } from "./events.ts";
import type { ActorDefinition } from "../../runtime/actor/mod.ts";
import { DomainError } from "../../runtime/core/mod.ts";
import type { Decider } from "../../runtime/core/mod.ts";
import type { KontrollEvent } from "./events.ts";
import { KontrollErrorCode } from "./types.ts";
import type { Kontroll, KontrollCommand, KontrollState } from "./types.ts";
import {
  normalizeRegistreringsnummer,
  parseInstant,
} from "../validators/mod.ts";
import { normalizeSjekkpunkter } from "../kontroll_mal/mod.ts";
import {
  AvvikReason,
  KontrollStatus,
  ParticipantRole,
  PhotoLimits,
} from "./types.ts";
import type { Avvik, KontrollPoint, Participant, PointValue } from "./types.ts";
import { AnswerType, SignOff } from "../kontroll_mal/mod.ts";

const E = KontrollErrorCode;

function decide(command: KontrollCommand, state: KontrollState) {
  if (parseInstant(command?.at) === null) {
    throw new TypeError("A kontroll command needs `at` as an ISO instant");
  }
  if (command.type === "create") return create(command, state);
  if (state === null) {
    throw new NotFoundError("The kontroll does not exist", {
      code: E.NOT_FOUND,
    });
  }
  if (isCompleted(state)) {
    throw new DomainError(
      E.COMPLETED_IMMUTABLE,
      `Kontroll ${state.id} is completed and cannot change`,
    );
  }
  switch (command.type) {
    case "record_point":
      return recordPoint(command, state);
    case "attach_photo":
      return attachPhoto(command, state);
    case "complete":
      return complete(command, state);
    default:
      throw new TypeError(
        `Unknown kontroll command ${(command as { type: string }).type}`,
      );
  }
}

function create(
  command: Extract<KontrollCommand, { type: "create" }>,
  state: KontrollState,
): KontrollEvent[] {
  if (state !== null) {
    throw new DomainError(E.ALREADY_CREATED, `Kontroll ${state.id} exists`);
  }
  const registreringsnummer = normalizeRegistreringsnummer(
    String(command.registreringsnummer),
  );
  if (registreringsnummer === null) {
    throw new DomainError(
      E.INVALID_REGISTRERINGSNUMMER,
      "A registreringsnummer is two letters and 4 or 5 digits",
      { status: 422 },
    );
  }
  const sjekkpunkter = normalizeSjekkpunkter(command.sjekkpunkter, {
    empty: E.NO_SJEKKPUNKTER,
    invalid: E.INVALID_SJEKKPUNKT,
    duplicate: E.DUPLICATE_SJEKKPUNKT_ID,
  });
  const learnerId = command.learnerId ?? null;
  if (
    learnerId === null &&
    sjekkpunkter.some((p) => p.required && p.signedOffBy === SignOff.ELEV)
  ) {
    throw new DomainError(
      E.LEARNER_REQUIRED,
      "The checklist has required points only a learner may sign off",
      { status: 422 },
    );
  }
  return [kontrollEvent("kontroll.created", {
    id: command.id,
    bedriftId: command.bedriftId,
    mal: {
      id: command.mal.id,
      revision: command.mal.revision,
      navn: command.mal.navn,
    },
    registreringsnummer,
    instructorId: command.instructorId,
    learnerId,
    sjekkpunkter,
    createdAt: command.at,
  })];
}

function recordPoint(
  command: Extract<KontrollCommand, { type: "record_point" }>,
  state: Kontroll,
): KontrollEvent[] {
  requireParticipant(command.by, state);
  const point = requirePoint(command.pointId, state);
  const allowed = point.signedOffBy === SignOff.BEGGE ||
    point.signedOffBy === command.by.role;
  if (!allowed) {
    throw new DomainError(
      E.SIGNOFF_NOT_ALLOWED,
      `Check point ${point.id} is signed off by ${point.signedOffBy} only`,
      { status: 422 },
    );
  }
  const passed = verdict(point, command.value, command.passed);
  const value = typeof command.value === "string"
    ? command.value.trim()
    : command.value;
  if (
    point.answerType === AnswerType.PHOTO &&
    !point.photos.some((p) => p.fileId === value)
  ) {
    throw new DomainError(
      E.PHOTO_MISSING,
      `Attach the photo to check point ${point.id} before recording it`,
    );
  }
  return [kontrollEvent("kontroll.point_recorded", {
    pointId: point.id,
    value,
    passed,
    comment: command.comment?.trim() || null,
    recordedBy: { role: command.by.role, userId: command.by.userId },
    recordedAt: command.at,
  })];
}

/** Whether a value passes, or a 422 when it does not fit the answer type. */
function verdict(
  point: KontrollPoint,
  value: PointValue,
  passed: boolean | undefined,
): boolean {
  const invalid = (why: string) =>
    new DomainError(
      E.INVALID_VALUE,
      `Check point ${point.id} (${point.answerType}) ${why}`,
      { status: 422 },
    );
  if (passed !== undefined && typeof passed !== "boolean") {
    throw invalid("needs a boolean verdict");
  }
  switch (point.answerType) {
    case AnswerType.CHECKBOX:
      if (typeof value !== "boolean") throw invalid("takes true or false");
      if (passed !== undefined && passed !== value) {
        throw invalid("takes its verdict from its value");
      }
      return value;
    case AnswerType.NUMBER:
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw invalid("takes a finite number");
      }
      return passed ?? true;
    case AnswerType.TEXT:
    case AnswerType.PHOTO:
      if (typeof value !== "string" || value.trim() === "") {
        throw invalid(
          point.answerType === AnswerType.TEXT
            ? "takes a non-blank text"
            : "takes the fileId of an attached photo",
        );
      }
      return passed ?? true;
  }
}

function attachPhoto(
  command: Extract<KontrollCommand, { type: "attach_photo" }>,
  state: Kontroll,
): KontrollEvent[] {
  requireParticipant(command.by, state);
  const point = requirePoint(command.pointId, state);
  const { fileId, contentType, size, sha256 } = command.photo ?? {};
  const valid = typeof fileId === "string" && fileId.trim() !== "" &&
    (PhotoLimits.contentTypes as readonly string[]).includes(contentType) &&
    Number.isSafeInteger(size) && size > 0 && size <= PhotoLimits.maxBytes &&
    typeof sha256 === "string" && /^[0-9a-f]{64}$/.test(sha256);
  if (!valid) {
    throw new DomainError(
      E.INVALID_PHOTO,
      `A photo must be one of ${
        PhotoLimits.contentTypes.join(", ")
      }, 1 byte to ${PhotoLimits.maxBytes} bytes, with a hex SHA-256`,
      { status: 422 },
    );
  }
  if (state.points.some((p) => p.photos.some((ph) => ph.fileId === fileId))) {
    throw new DomainError(
      E.PHOTO_ALREADY_ATTACHED,
      `Photo ${fileId} is already attached`,
    );
  }
  if (point.photos.length >= PhotoLimits.maxPerPoint) {
    throw new DomainError(
      E.TOO_MANY_PHOTOS,
      `Check point ${point.id} has ${PhotoLimits.maxPerPoint} photos already`,
    );
  }
  return [kontrollEvent("kontroll.photo_attached", {
    pointId: point.id,
    fileId,
    contentType,
    size,
    sha256,
    attachedBy: { role: command.by.role, userId: command.by.userId },
    attachedAt: command.at,
  })];
}

function complete(
  command: Extract<KontrollCommand, { type: "complete" }>,
  state: Kontroll,
): KontrollEvent[] {
  if (
    command.by?.role !== ParticipantRole.LAERER ||
    command.by.userId !== state.instructorId
  ) {
    throw new DomainError(
      E.NOT_INSTRUCTOR,
      "Only the kontroll's instructor may complete it",
      { status: 422 },
    );
  }
  if (state.status === KontrollStatus.OPPRETTET) {
    throw new DomainError(
      E.NOT_STARTED,
      `Kontroll ${state.id} has no results yet`,
    );
  }
  const avvik = deviations(state.points);
  const base = { completedBy: command.by.userId, completedAt: command.at };
  return avvik.length === 0
    ? [kontrollEvent("kontroll.completed", base)]
    : [kontrollEvent("kontroll.failed", { avvik, ...base })];
}

/** Required points without a passing result (a PHOTO point also needs a photo). */
function deviations(points: readonly KontrollPoint[]): Avvik[] {
  const avvik: Avvik[] = [];
  for (const p of points) {
    if (!p.required) continue;
    const passed = p.result?.passed === true &&
      (p.answerType !== AnswerType.PHOTO || p.photos.length > 0);
    if (passed) continue;
    avvik.push({
      pointId: p.id,
      tittel: p.tittel,
      reason: p.result === null
        ? AvvikReason.NOT_RECORDED
        : AvvikReason.NOT_PASSED,
      comment: p.result?.comment ?? null,
    });
  }
  return avvik;
}

function evolve(state: KontrollState, event: KontrollEvent): KontrollState {
  switch (event.type) {
    case "kontroll.created": {
      const { sjekkpunkter, ...data } = event.data;
      return {
        id: data.id,
        bedriftId: data.bedriftId,
        mal: data.mal,
        registreringsnummer: data.registreringsnummer,
        instructorId: data.instructorId,
        learnerId: data.learnerId,
        status: KontrollStatus.OPPRETTET,
        points: sjekkpunkter.map((p) => ({ ...p, result: null, photos: [] })),
        avvik: [],
        createdAt: data.createdAt,
        startedAt: null,
        completedAt: null,
        completedBy: null,
      };
    }
    case "kontroll.point_recorded": {
      const { pointId, ...result } = event.data;
      const s = state!;
      return {
        ...s,
        status: KontrollStatus.UNDER_ARBEID,
        startedAt: s.startedAt ?? result.recordedAt,
        points: s.points.map((p) => p.id === pointId ? { ...p, result } : p),
      };
    }
    case "kontroll.photo_attached": {
      const { pointId, ...photo } = event.data;
      const s = state!;
      return {
        ...s,
        points: s.points.map((p) =>
          p.id === pointId ? { ...p, photos: [...p.photos, photo] } : p
        ),
      };
    }
    case "kontroll.completed":
      return {
        ...state!,
        status: KontrollStatus.BESTATT,
        completedAt: event.data.completedAt,
        completedBy: event.data.completedBy,
      };
    case "kontroll.failed":
      return {
        ...state!,
        status: KontrollStatus.IKKE_BESTATT,
        avvik: event.data.avvik,
        completedAt: event.data.completedAt,
        completedBy: event.data.completedBy,
      };
    default:
      return state;
  }
}

/**
 * The kontroll (vehicle safety check) aggregate, run from a template snapshot.
 *
 * @example
 * ```ts
 * const [created] = kontrollDecider.decide({
 *   type: "create", id: "k1", bedriftId: "b1",
 *   mal: { id: "m1", revision: 1, navn: "Klasse B" },
 *   sjekkpunkter: [{
 *     id: "lys", tittel: "Lys", beskrivelse: "", kind: "VISUELL",
 *     answerType: "CHECKBOX", required: true, signedOffBy: "BEGGE",
 *     licenceClass: "B",
 *   }],
 *   registreringsnummer: "el 12345", instructorId: "u1",
 *   at: "2025-03-03T08:00:00Z",
 * }, null); // registreringsnummer "EL12345", status OPPRETTET
 * ```
 */
export const kontrollDecider: Decider<
  KontrollCommand,
  KontrollEvent,
  KontrollState
> = { initialState: null, decide, evolve };

/** Actor type `kontroll`: one vehicle safety check. */
export const kontrollActor: ActorDefinition<
  KontrollCommand,
  KontrollEvent,
  KontrollState
> = {
  type: KONTROLL,
  decider: kontrollDecider,
  stateVersion: 1,
  tenantOf: (state, command) =>
    state?.bedriftId ??
      (command?.type === "create" ? command.bedriftId : undefined),
};

/** True when the kontroll is `BESTATT` or `IKKE_BESTATT` (immutable). */
export function isCompleted(state: Kontroll): boolean {
  return state.status === KontrollStatus.BESTATT ||
    state.status === KontrollStatus.IKKE_BESTATT;
}

function requireParticipant(by: Participant, state: Kontroll): void {
  const ok = by?.role === ParticipantRole.LAERER
    ? by.userId === state.instructorId
    : by?.role === ParticipantRole.ELEV && state.learnerId !== null &&
      by.userId === state.learnerId;
  if (!ok) {
    throw new DomainError(
      E.NOT_PARTICIPANT,
      `The user is not this kontroll's ${by?.role ?? "participant"}`,
      { status: 422 },
    );
  }
}

function requirePoint(pointId: string, state: Kontroll): KontrollPoint {
  const point = state.points.find((p) => p.id === pointId);
  if (!point) {
    throw new DomainError(
      E.UNKNOWN_SJEKKPUNKT,
      `Kontroll ${state.id} has no check point ${pointId}`,
      { status: 422 },
    );
  }
  return point;
}
