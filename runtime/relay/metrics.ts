/** The relay in `/metrics` and `/health/ready`. */
import type { RelayRole } from "./lease.ts";
import type { RelayStatus } from "./relay.ts";

/**
 * Prometheus text of a node's relay: `tms_relay_active` (1 while this node
 * relays), and there `tms_relay_position`, `tms_relay_lag_positions` (feed
 * head minus position), `tms_relay_published_total` and `tms_relay_failed`
 * (1 while batches fail and are retried), labelled by relay.
 */
export function relayMetrics(
  status: RelayStatus | null,
  head: number,
): string {
  const lines = [
    "# HELP tms_relay_active 1 while this node runs the integration relay",
    "# TYPE tms_relay_active gauge",
    `tms_relay_active ${status ? 1 : 0}`,
  ];
  if (status) {
    const label = `{relay="${status.name}"}`;
    lines.push(
      "# HELP tms_relay_position Feed position the relay has published and checkpointed",
      "# TYPE tms_relay_position gauge",
      `tms_relay_position${label} ${status.position}`,
      "# HELP tms_relay_lag_positions Feed positions the relay is behind the head",
      "# TYPE tms_relay_lag_positions gauge",
      `tms_relay_lag_positions${label} ${Math.max(0, head - status.position)}`,
      "# HELP tms_relay_published_total Integration events published (and acknowledged) by this node",
      "# TYPE tms_relay_published_total counter",
      `tms_relay_published_total${label} ${status.published}`,
      "# HELP tms_relay_failed 1 while the relay's batches fail (retried with backoff)",
      "# TYPE tms_relay_failed gauge",
      `tms_relay_failed${label} ${status.failed ? 1 : 0}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** The relay's part of `/health/ready`: never unready (subscribers wait, requests do not). */
export function relayReadiness(
  status: RelayStatus | null,
  role: RelayRole | "embedded",
  head: number,
): {
  ok: true;
  role: RelayRole | "embedded";
  position?: number;
  lag?: number;
  failed?: string;
} {
  if (!status) return { ok: true, role };
  return {
    ok: true,
    role,
    position: status.position,
    lag: Math.max(0, head - status.position),
    ...(status.failed ? { failed: status.failed } : {}),
  };
}
