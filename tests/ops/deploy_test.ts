/**
 * What ships in ops/deploy, checked with the real tools: the alert rules with
 * `promtool check rules` and `promtool test rules` (Debian's `prometheus`),
 * the Prometheus config with `promtool check config`, every dashboard query
 * parsed by promtool, compose.yaml with `docker-compose config -q` (Debian's
 * `docker-compose`), the NATS configs with `nats-server -t`, the Kubernetes
 * manifests against the API schemas of `kubernetes-models`. A missing tool
 * fails the test; `.ci/run` installs them.
 */
import assert from "node:assert/strict";
import { loadKubernetesModels, loadYaml } from "../../deps.ts";
import { findNatsServer } from "../../ops/nats_binary.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const DEPLOY = `${ROOT}ops/deploy`;

async function run(
  command: string,
  args: string[],
  cwd = ROOT,
): Promise<{ code: number; out: string }> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(command, {
      args,
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `${command} is not installed: .ci/run installs it (apt-get install ${
          command === "promtool" ? "prometheus" : command
        })`,
      );
    }
    throw error;
  }
  const text = new TextDecoder();
  return {
    code: output.code,
    out: text.decode(output.stdout) + text.decode(output.stderr),
  };
}

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

async function alertRules(): Promise<Rule[]> {
  const { parse } = await loadYaml();
  const doc = parse(await Deno.readTextFile(`${DEPLOY}/prometheus/alerts.yml`));
  return doc.groups.flatMap((g: { rules: Rule[] }) => g.rules);
}

/**
 * Metric names a PromQL expression uses (not functions, labels or keywords):
 * identifiers directly followed by `{`, `[`, whitespace-then-operator, or the
 * end — good enough for the expressions of this repository.
 */
function metricsOf(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, "{}").replace(
    /"[^"]*"/g,
    '""',
  );
  const names = withoutLabels.match(/\b[a-z_][a-z0-9_]*\b/g) ?? [];
  const keywords = new Set([
    "sum",
    "max",
    "min",
    "avg",
    "count",
    "rate",
    "increase",
    "histogram_quantile",
    "by",
    "on",
    "and",
    "or",
    "unless",
    "time",
    "le",
    "route",
    "instance",
    "projection",
    "experiment",
    "kind",
    "status",
    "reason",
    "job",
  ]);
  return [...new Set(names.filter((n) => !keywords.has(n) && !/^\d/.test(n)))];
}

/** Metrics of other exporters (Prometheus itself, node_exporter). */
const DECLARED = new Set([
  "up",
  "node_filesystem_avail_bytes",
  "node_filesystem_size_bytes",
]);

/** Every metric name the node's code writes (runtime/, http/, main.ts, ops/node_*.ts). */
async function exportedMetrics(): Promise<Set<string>> {
  const names = new Set<string>();
  const scan = async (dir: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await scan(path);
      else if (entry.name.endsWith(".ts")) {
        const text = await Deno.readTextFile(path);
        for (const m of text.matchAll(/\b((?:tms|process)_[a-z_]+)\b/g)) {
          names.add(m[1]);
        }
      }
    }
  };
  await scan(`${ROOT}runtime`);
  await scan(`${ROOT}http`);
  // The node itself: main.ts and the ops/node_*.ts files it is made of.
  const node = [`${ROOT}main.ts`];
  for await (const entry of Deno.readDir(`${ROOT}ops`)) {
    if (/^node_.*\.ts$/.test(entry.name)) node.push(`${ROOT}ops/${entry.name}`);
  }
  for (const path of node) {
    const text = await Deno.readTextFile(path);
    for (const m of text.matchAll(/\b((?:tms|process)_[a-z_]+)\b/g)) {
      names.add(m[1]);
    }
  }
  return names;
}

function exported(name: string, known: Set<string>): boolean {
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return known.has(name) || known.has(base) || DECLARED.has(name);
}

Deno.test("alert rules: promtool check rules, and promtool test rules of at least five rules", async () => {
  const check = await run(
    "promtool",
    ["check", "rules", "alerts.yml"],
    `${DEPLOY}/prometheus`,
  );
  assert.equal(check.code, 0, check.out);
  assert.match(check.out, /SUCCESS: \d+ rules found/);
  const tested = await run(
    "promtool",
    ["test", "rules", "alerts_test.yml"],
    `${DEPLOY}/prometheus`,
  );
  assert.equal(tested.code, 0, tested.out);
  assert.match(tested.out, /SUCCESS/);
  const { parse } = await loadYaml();
  const tests = parse(
    await Deno.readTextFile(`${DEPLOY}/prometheus/alerts_test.yml`),
  );
  const alerts = new Set(
    tests.tests.flatMap((t: { alert_rule_test: { alertname: string }[] }) =>
      t.alert_rule_test.map((a) => a.alertname)
    ),
  );
  assert.ok(alerts.size >= 5, [...alerts].join(", "));
  const config = await run(
    "promtool",
    ["check", "config", "prometheus.yml"],
    `${DEPLOY}/prometheus`,
  );
  assert.equal(config.code, 0, config.out);
});

Deno.test("alert rules: at least 25, each with a severity and a runbook_url to its section; the issue's topics covered; every metric exported", async () => {
  const rules = await alertRules();
  assert.ok(rules.length >= 25, `${rules.length} rules`);
  const runbooks = await Deno.readTextFile(`${ROOT}docs/runbooks.md`);
  const anchors = new Set(
    [...runbooks.matchAll(/^## (.+)$/gm)].map((m) =>
      m[1].trim().toLowerCase().replace(/[^\w\- ]/g, "").replace(/ /g, "-")
    ),
  );
  const known = await exportedMetrics();
  for (const rule of rules) {
    assert.match(
      rule.labels?.severity ?? "",
      /^(critical|warning|info)$/,
      rule.alert,
    );
    const url = rule.annotations?.runbook_url ?? "";
    const match = /^docs\/runbooks\.md#(.+)$/.exec(url);
    assert.ok(match, `${rule.alert}: ${url}`);
    assert.ok(anchors.has(match[1]), `${rule.alert}: no section #${match[1]}`);
    assert.ok(
      rule.annotations.summary && rule.annotations.description,
      rule.alert,
    );
    for (const metric of metricsOf(rule.expr)) {
      assert.ok(
        exported(metric, known),
        `${rule.alert}: ${metric} is exported by nothing`,
      );
    }
  }
  const uses = (pattern: RegExp) => rules.some((r) => pattern.test(r.expr));
  const topics: Record<string, RegExp> = {
    "error rate": /status=~"5\.\."/,
    "p99 latency": /histogram_quantile\(0\.99, .*tms_http_request_duration/,
    "mailbox saturation": /tms_mailbox_depth_max/,
    "parked actors": /tms_actors_parked/,
    "dead letters": /tms_dead_letters/,
    "projection lag": /tms_projection_lag/,
    "projection halt": /tms_projection_failed/,
    "log unavailable": /tms_event_log_up/,
    "NATS disconnected": /tms_nats_connected/,
    "lease churn": /tms_cluster_shard_(acquisitions|releases)_total/,
    "shard ownership gaps": /tms_cluster_shards_owned/,
    "relay lag": /tms_relay_lag/,
    "backup age": /tms_backup_last_success_timestamp_seconds/,
    "disk": /node_filesystem_avail_bytes/,
    "memory": /process_resident_memory_bytes/,
    "lockout spikes": /route=~"\/api\/v\[0-9\]\+\/auth\/login",status="429"/,
    "chaos experiment too long": /tms_chaos_experiment_running_seconds/,
    "autoscale at max": /tms_autoscale_max_replicas/,
  };
  for (const [topic, pattern] of Object.entries(topics)) {
    assert.ok(uses(pattern), `no rule for ${topic}`);
  }
});

Deno.test("dashboard: rows for edge, actors, log, projections, cluster, supervisors; every query parses (promtool) and reads exported metrics", async () => {
  const dash = JSON.parse(
    await Deno.readTextFile(`${DEPLOY}/grafana/dashboards/tms.json`),
  );
  assert.equal(dash.uid, "tms-overview");
  const rows = dash.panels.filter((p: { type: string }) => p.type === "row")
    .map((
      p: { title: string },
    ) => p.title.toLowerCase());
  for (
    const want of [
      "edge",
      "actors",
      "event log",
      "projections",
      "cluster",
      "supervisors",
    ]
  ) {
    assert.ok(
      rows.some((r: string) => r.includes(want)),
      `no ${want} row: ${rows}`,
    );
  }
  const exprs: string[] = dash.panels.flatMap((
    p: { targets?: { expr: string; datasource: { uid: string } }[] },
  ) =>
    (p.targets ?? []).map((t) => {
      assert.equal(t.datasource.uid, "prometheus");
      return t.expr;
    })
  );
  assert.ok(exprs.length >= 25, `${exprs.length} queries`);
  const known = await exportedMetrics();
  for (const expr of exprs) {
    for (const metric of metricsOf(expr.replaceAll("$__rate_interval", "5m"))) {
      assert.ok(
        exported(metric, known),
        `${expr}: ${metric} is exported by nothing`,
      );
    }
  }
  // promtool parses PromQL in recording rules: one per query.
  const dir = await Deno.makeTempDir({ prefix: "tms-dash-" });
  try {
    const rules = {
      groups: [{
        name: "dashboard",
        rules: exprs.map((expr, i) => ({
          record: `dashboard:query_${i}`,
          expr: expr.replaceAll("$__rate_interval", "5m"),
        })),
      }],
    };
    await Deno.writeTextFile(`${dir}/dashboard.yml`, JSON.stringify(rules));
    const check = await run(
      "promtool",
      ["check", "rules", "dashboard.yml"],
      dir,
    );
    assert.equal(check.code, 0, check.out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  // Grafana provisioning points at the dashboards and at Prometheus by uid.
  const { parse } = await loadYaml();
  const sources = parse(
    await Deno.readTextFile(
      `${DEPLOY}/grafana/provisioning/datasources/datasources.yml`,
    ),
  );
  assert.ok(
    sources.datasources.some((d: { uid: string }) => d.uid === "prometheus"),
  );
  const providers = parse(
    await Deno.readTextFile(
      `${DEPLOY}/grafana/provisioning/dashboards/dashboards.yml`,
    ),
  );
  assert.equal(providers.providers[0].options.path, "/etc/grafana/dashboards");
});

Deno.test("compose.yaml: docker-compose config -q; a 3-server JetStream cluster with sync_interval: always in its config files, PostgreSQL, three nodes, collector, Jaeger, Prometheus and Grafana provisioned", async () => {
  const quiet = await run("docker-compose", [
    "-f",
    "compose.yaml",
    "config",
    "-q",
  ]);
  assert.equal(quiet.code, 0, quiet.out);
  const full = await run("docker-compose", ["-f", "compose.yaml", "config"]);
  assert.equal(full.code, 0, full.out);
  const { parse } = await loadYaml();
  const config = parse(full.out);
  const services = config.services as Record<string, {
    image?: string;
    command?: string[];
    volumes?: ({ source: string; target: string } | string)[];
    environment?: Record<string, string>;
  }>;
  for (
    const name of [
      "nats-1",
      "nats-2",
      "nats-3",
      "postgres",
      "tms-1",
      "tms-2",
      "tms-3",
      "otel-collector",
      "jaeger",
      "prometheus",
      "grafana",
    ]
  ) assert.ok(services[name], `no service ${name}`);
  const mounts = (name: string) =>
    (services[name].volumes ?? []).map((v) =>
      typeof v === "string" ? v : `${v.source}:${v.target}:`
    );
  for (const i of [1, 2, 3]) {
    const nats = services[`nats-${i}`];
    assert.match(nats.image ?? "", /^nats:2\.12\.\d+/);
    assert.deepEqual(nats.command, ["-c", "/etc/nats/nats.conf"]);
    assert.ok(
      mounts(`nats-${i}`).some((m) =>
        m.includes(`ops/deploy/nats/nats-${i}.conf:/etc/nats/nats.conf:`)
      ),
    );
    const node = services[`tms-${i}`].environment!;
    assert.equal(node.TMS_STREAM_REPLICAS, "3");
    assert.equal(node.TMS_NODE_ID, `tms-${i}`);
    assert.match(node.TMS_NATS_URL, /nats-1.*nats-2.*nats-3/);
    assert.equal(node.OTEL_DENO, "true");
    assert.match(node.OTEL_EXPORTER_OTLP_ENDPOINT, /otel-collector:4318/);
  }
  assert.ok(
    mounts("prometheus").some((m) =>
      m.includes("ops/deploy/prometheus:/etc/prometheus:")
    ),
  );
  assert.ok(
    mounts("grafana").some((m) =>
      m.includes("ops/deploy/grafana/provisioning:/etc/grafana/provisioning:")
    ),
  );
  assert.ok(
    mounts("grafana").some((m) =>
      m.includes("ops/deploy/grafana/dashboards:/etc/grafana/dashboards:")
    ),
  );
  assert.ok(
    mounts("otel-collector").some((m) =>
      m.includes("ops/deploy/otel/collector.yaml:/etc/otelcol/collector.yaml:")
    ),
  );
  // The scrape token Prometheus sends is the one the nodes accept.
  const token = (await Deno.readTextFile(`${DEPLOY}/prometheus/metrics-token`))
    .trim();
  assert.equal(services["tms-1"].environment!.TMS_METRICS_TOKEN, token);
});

Deno.test("NATS configs: sync_interval: always in every server's jetstream block, routes to all three; nats-server -t accepts the rest", async () => {
  const binary = await findNatsServer();
  assert.ok(binary, "nats-server is not installed: .ci/run installs it");
  const dir = await Deno.makeTempDir({ prefix: "tms-nats-conf-" });
  try {
    for (const i of [1, 2, 3]) {
      const text = await Deno.readTextFile(`${DEPLOY}/nats/nats-${i}.conf`);
      const jetstream = /jetstream \{([^}]*)\}/.exec(text)?.[1] ?? "";
      assert.match(jetstream, /^\s*sync_interval: always$/m);
      assert.match(text, new RegExp(`^server_name: nats-${i}$`, "m"));
      for (const j of [1, 2, 3]) {
        assert.match(text, new RegExp(`nats-route://nats-${j}:6222`));
      }
      // Debian's nats-server (2.9) predates sync_interval (2.10+; the images
      // run 2.12.3): it checks everything else of the file.
      const rest = text.replace(/^\s*sync_interval: always$/m, "")
        .replace("store_dir: /data", `store_dir: ${dir}/js-${i}`);
      await Deno.writeTextFile(`${dir}/nats-${i}.conf`, rest);
      const checked = await run(binary, ["-t", "-c", `${dir}/nats-${i}.conf`]);
      assert.equal(checked.code, 0, checked.out);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Kubernetes manifests: valid against the API schemas; probes, resources, anti-affinity, PDB, Service, ConfigMap, Secret references, NetworkPolicy, RBAC on the scale subresource only", async () => {
  const { parseAllDocuments, parse } = await loadYaml();
  const models = await loadKubernetesModels();
  // deno-lint-ignore no-explicit-any
  const kinds: Record<string, new (data: any) => { validate(): void }> = {
    "v1/ConfigMap": models.core.ConfigMap,
    "v1/Service": models.core.Service,
    "v1/ServiceAccount": models.core.ServiceAccount,
    "v1/PersistentVolumeClaim": models.core.PersistentVolumeClaim,
    "apps/v1/Deployment": models.apps.Deployment,
    "policy/v1/PodDisruptionBudget": models.policy.PodDisruptionBudget,
    "networking.k8s.io/v1/NetworkPolicy": models.networking.NetworkPolicy,
    "rbac.authorization.k8s.io/v1/Role": models.rbac.Role,
    "rbac.authorization.k8s.io/v1/RoleBinding": models.rbac.RoleBinding,
    "batch/v1/CronJob": models.batch.CronJob,
  };
  const dir = `${DEPLOY}/k8s`;
  const kustomization = parse(
    await Deno.readTextFile(`${dir}/kustomization.yaml`),
  );
  const files = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
    .filter((n) => n.endsWith(".yaml") && n !== "kustomization.yaml").sort();
  assert.deepEqual([...kustomization.resources].sort(), files);
  // deno-lint-ignore no-explicit-any
  const objects: any[] = [];
  for (const file of files) {
    for (
      const doc of parseAllDocuments(await Deno.readTextFile(`${dir}/${file}`))
    ) {
      const object = doc.toJS();
      const model = kinds[`${object.apiVersion}/${object.kind}`];
      assert.ok(
        model,
        `${file}: no model for ${object.apiVersion} ${object.kind}`,
      );
      new model(object).validate();
      objects.push(object);
    }
  }
  const find = (kind: string, name?: string) => {
    const found = objects.filter((o) =>
      o.kind === kind && (!name || o.metadata.name === name)
    );
    assert.equal(
      found.length,
      name ? 1 : found.length || 1,
      `${kind} ${name ?? ""}`,
    );
    return found[0];
  };
  const deployment = find("Deployment", "tms");
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
    assert.ok(container[probe]?.httpGet?.path, probe);
  }
  assert.equal(container.startupProbe.httpGet.path, "/health/startup");
  assert.equal(container.readinessProbe.httpGet.path, "/health/ready");
  assert.equal(container.livenessProbe.httpGet.path, "/health/live");
  assert.ok(
    container.resources.requests.cpu && container.resources.requests.memory,
  );
  assert.ok(container.resources.limits.memory);
  assert.ok(pod.affinity.podAntiAffinity);
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(pod.serviceAccountName, "tms");
  const secretKeys = container.env.filter((
    e: { valueFrom?: { secretKeyRef?: unknown } },
  ) => e.valueFrom?.secretKeyRef).map((e: { name: string }) => e.name);
  assert.deepEqual(secretKeys.sort(), [
    "DATABASE_URL",
    "TMS_ADMIN_PASSWORD",
    "TMS_METRICS_TOKEN",
  ]);
  assert.equal(
    container.envFrom[0].configMapRef.name,
    find("ConfigMap", "tms-config").metadata.name,
  );
  const selector = deployment.spec.selector.matchLabels;
  assert.deepEqual(
    find("PodDisruptionBudget", "tms").spec.selector.matchLabels,
    selector,
  );
  assert.deepEqual(find("Service", "tms").spec.selector, selector);
  const policy = find("NetworkPolicy", "tms");
  assert.deepEqual(policy.spec.policyTypes, ["Ingress", "Egress"]);
  const role = find("Role", "tms-autoscale");
  assert.deepEqual(role.rules, [{
    apiGroups: ["apps"],
    resources: ["deployments/scale"],
    resourceNames: ["tms"],
    verbs: ["get", "update", "patch"],
  }]);
  const binding = find("RoleBinding", "tms-autoscale");
  assert.equal(binding.roleRef.name, "tms-autoscale");
  assert.deepEqual(binding.subjects, [{ kind: "ServiceAccount", name: "tms" }]);
  find("ServiceAccount", "tms");
  const cron = find("CronJob", "tms-backup");
  assert.match(
    cron.spec.jobTemplate.spec.template.spec.containers[0].args[0],
    /--keep-days 30/,
  );
});

Deno.test("Dockerfile: the official Deno image at the pinned version, a non-root user, a health check on /health/ready", async () => {
  const dockerfile = await Deno.readTextFile(`${ROOT}Dockerfile`);
  const ci = await Deno.readTextFile(`${ROOT}.ci/run`);
  const version = /DENO_VERSION=(\S+)/.exec(ci)![1];
  assert.match(
    dockerfile,
    new RegExp(
      `^FROM denoland/deno:${version.replaceAll(".", "\\.")} AS base$`,
      "m",
    ),
  );
  assert.match(dockerfile, /^USER deno$/m);
  assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/health\/ready/m);
  assert.match(dockerfile, /deno task compile/);
});
