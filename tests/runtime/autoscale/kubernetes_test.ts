/**
 * The Kubernetes actuator against a small HTTPS server that checks requests
 * the way the API server's scale subresource would (method, path, media
 * type, bearer token, body) and answers with a Scale object. No real
 * cluster runs here.
 */
import assert from "node:assert/strict";
import { KubernetesActuator } from "../../../runtime/autoscale/mod.ts";
import { freePort } from "../../../ops/server_process.ts";

async function openssl(dir: string, args: string[]): Promise<void> {
  const out = await new Deno.Command("openssl", {
    args,
    cwd: dir,
    stderr: "piped",
  })
    .output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
}

/** A CA and a server certificate for 127.0.0.1 signed by it. */
async function certificates(dir: string) {
  await openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "1",
    "-subj",
    "/CN=test-kubernetes-ca",
    "-keyout",
    "ca.key",
    "-out",
    "ca.crt",
  ]);
  await openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=kubernetes",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ]);
  await Deno.writeTextFile(
    `${dir}/san.ext`,
    "subjectAltName=IP:127.0.0.1,DNS:localhost\n",
  );
  await openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.crt",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-days",
    "1",
    "-extfile",
    "san.ext",
    "-out",
    "server.crt",
  ]);
  return {
    ca: await Deno.readTextFile(`${dir}/ca.crt`),
    cert: await Deno.readTextFile(`${dir}/server.crt`),
    key: await Deno.readTextFile(`${dir}/server.key`),
  };
}

interface Seen {
  method: string;
  path: string;
  contentType: string | null;
  authorization: string | null;
  body: string;
}

const PATH = "/apis/apps/v1/namespaces/tms-prod/deployments/tms/scale";

/** The scale subresource of Deployment tms-prod/tms, as the API server checks it. */
function fakeApiServer(
  tls: { cert: string; key: string },
  tokens: () => string,
) {
  let replicas = 3;
  const seen: Seen[] = [];
  const status = (code: number, reason: string, message: string) =>
    Response.json({
      kind: "Status",
      apiVersion: "v1",
      status: "Failure",
      reason,
      message,
      code,
    }, { status: code });
  const port = freePort();
  const server = Deno.serve({
    port,
    hostname: "127.0.0.1",
    cert: tls.cert,
    key: tls.key,
    onListen() {},
  }, async (req) => {
    const url = new URL(req.url);
    const body = await req.text();
    seen.push({
      method: req.method,
      path: url.pathname,
      contentType: req.headers.get("content-type"),
      authorization: req.headers.get("authorization"),
      body,
    });
    if (req.headers.get("authorization") !== `Bearer ${tokens()}`) {
      return status(401, "Unauthorized", "Unauthorized");
    }
    if (url.pathname !== PATH) {
      return status(
        404,
        "NotFound",
        `the server could not find ${url.pathname}`,
      );
    }
    if (req.method === "PATCH") {
      if (req.headers.get("content-type") !== "application/merge-patch+json") {
        return status(
          415,
          "UnsupportedMediaType",
          "the body of the request was in an unknown format",
        );
      }
      const patch = JSON.parse(body);
      const wanted = patch?.spec?.replicas;
      if (!Number.isInteger(wanted) || Object.keys(patch).join() !== "spec") {
        return status(422, "Invalid", "spec.replicas: Invalid value");
      }
      replicas = wanted;
    } else if (req.method !== "GET") {
      return status(
        405,
        "MethodNotAllowed",
        "the server does not allow this method",
      );
    }
    return Response.json({
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: "tms", namespace: "tms-prod", resourceVersion: "42" },
      spec: { replicas },
      status: { replicas: 3, selector: "app.kubernetes.io/name=tms" },
    });
  });
  return { port, seen, server };
}

Deno.test("Kubernetes actuator in a pod: the service account's token and CA, GET and merge-PATCH of the scale subresource", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-k8s-" });
  let token = "token-1";
  const tls = await certificates(dir);
  const api = fakeApiServer(tls, () => token);
  const sa = `${dir}/serviceaccount`;
  await Deno.mkdir(sa);
  await Deno.writeTextFile(`${sa}/token`, "token-1\n");
  await Deno.writeTextFile(`${sa}/ca.crt`, tls.ca);
  await Deno.writeTextFile(`${sa}/namespace`, "tms-prod");
  const actuator = await KubernetesActuator.inCluster(
    { deployment: "tms", dir: sa },
    {
      KUBERNETES_SERVICE_HOST: "127.0.0.1",
      KUBERNETES_SERVICE_PORT: String(api.port),
    },
  );
  try {
    assert.equal(actuator.path, PATH);
    assert.equal(await actuator.current(), 3);
    assert.deepEqual(await actuator.scale(5), { replicas: 5 });
    assert.equal(await actuator.current(), 5);
    assert.deepEqual(
      api.seen.map(({ method, path, contentType, authorization, body }) => ({
        method,
        path,
        contentType,
        authorization,
        body,
      })),
      [
        {
          method: "GET",
          path: PATH,
          contentType: null,
          authorization: "Bearer token-1",
          body: "",
        },
        {
          method: "PATCH",
          path: PATH,
          contentType: "application/merge-patch+json",
          authorization: "Bearer token-1",
          body: '{"spec":{"replicas":5}}',
        },
        {
          method: "GET",
          path: PATH,
          contentType: null,
          authorization: "Bearer token-1",
          body: "",
        },
      ],
    );
    // The kubelet rotates the projected token: the next request reads the new one.
    token = "token-2";
    await Deno.writeTextFile(`${sa}/token`, "token-2\n");
    assert.deepEqual(await actuator.scale(2), { replicas: 2 });
    assert.equal(api.seen.at(-1)!.authorization, "Bearer token-2");
    // A refusal is an error carrying the API's Status.
    token = "token-3";
    await assert.rejects(actuator.scale(4), /401 Unauthorized/);
    await assert.rejects(actuator.scale(-1), RangeError);
  } finally {
    actuator.close();
    await api.server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Kubernetes actuator: an API server whose certificate does not chain to the CA is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-k8s-" });
  const tls = await certificates(dir);
  const other = await Deno.makeTempDir({ prefix: "tms-k8s-other-" });
  const otherCa = (await certificates(other)).ca;
  const api = fakeApiServer(tls, () => "t");
  const actuator = new KubernetesActuator({
    server: `https://127.0.0.1:${api.port}`,
    namespace: "tms-prod",
    deployment: "tms",
    token: () => Promise.resolve("t"),
    caCerts: [otherCa],
  });
  try {
    await assert.rejects(actuator.current());
    assert.equal(api.seen.length, 0);
  } finally {
    actuator.close();
    await api.server.shutdown();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(other, { recursive: true });
  }
});

Deno.test("Kubernetes actuator from a kubeconfig: its current context's server, CA data, token and namespace", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tms-k8s-" });
  const tls = await certificates(dir);
  const api = fakeApiServer(tls, () => "kube-token");
  await Deno.writeTextFile(
    `${dir}/config`,
    [
      "apiVersion: v1",
      "kind: Config",
      "current-context: prod",
      "contexts:",
      "  - name: dev",
      "    context: { cluster: nowhere, user: nobody }",
      "  - name: prod",
      "    context: { cluster: local, user: operator, namespace: tms-prod }",
      "clusters:",
      "  - name: local",
      "    cluster:",
      `      server: https://127.0.0.1:${api.port}`,
      `      certificate-authority-data: ${btoa(tls.ca)}`,
      "users:",
      "  - name: operator",
      "    user: { token: kube-token }",
    ].join("\n"),
  );
  const actuator = await KubernetesActuator.fromKubeconfig(`${dir}/config`, {
    deployment: "tms",
  });
  try {
    assert.equal(actuator.options.namespace, "tms-prod");
    assert.deepEqual(await actuator.scale(4), { replicas: 4 });
    assert.equal(api.seen[0].authorization, "Bearer kube-token");
    await assert.rejects(
      KubernetesActuator.fromKubeconfig(`${dir}/config`, {
        deployment: "tms",
        context: "missing",
      }),
      /No context "missing"/,
    );
    await assert.rejects(
      KubernetesActuator.inCluster({ deployment: "tms" }, {}),
      /KUBERNETES_SERVICE_HOST/,
    );
  } finally {
    actuator.close();
    await api.server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
