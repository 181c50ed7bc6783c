/** A chaos supervisor over an in-memory node, for edge tests. */
import { ChaosSupervisor } from "../../actors/supervisors/chaos/mod.ts";
import type {
  ChaosSettings,
  Probe,
  ProbeSource,
} from "../../actors/supervisors/chaos/mod.ts";
import type { ActorSystem } from "../../runtime/actor/mod.ts";
import {
  ChaosAgent,
  FaultRegistry,
  LocalChaosControl,
} from "../../runtime/chaos/mod.ts";

/** Probes that always measure `value` (1: ready, 0 errors, 0 ms). */
export function steadyProbes(
  value: (probe: Probe) => number = (p) => p.type === "readiness" ? 1 : 0,
): ProbeSource {
  return { measure: (probe) => Promise.resolve(value(probe)) };
}

/**
 * A supervisor for `system` on node `node`, chaos enabled unless
 * `settings` says otherwise; `close` stops it and clears every fault.
 */
export function testChaos(
  system: ActorSystem,
  options: {
    node?: string;
    settings?: Partial<ChaosSettings>;
    registry?: FaultRegistry;
    probes?: ProbeSource;
  } = {},
) {
  const registry = options.registry ??
    new FaultRegistry({ node: options.node ?? "test-node" });
  const supervisor = new ChaosSupervisor({
    control: new LocalChaosControl(new ChaosAgent(registry)),
    client: system,
    log: system.log,
    probes: options.probes ?? steadyProbes(),
    settings: {
      enabled: true,
      maxDurationS: 1800,
      blastRadiusLimit: 0.25,
      ...options.settings,
    },
    tickMs: 50,
  });
  return {
    supervisor,
    registry,
    async close() {
      await supervisor.close();
      registry.close();
    },
  };
}
