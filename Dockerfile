# TMS node on the official Deno image, pinned to the Deno of .ci/run.
#   docker build -t tms .                  # the node (deno task start)
#   docker build --target binary -t tms-bin .  # one binary (deno task compile)
FROM denoland/deno:2.9.6 AS base
WORKDIR /app
RUN mkdir -p /data /backups && chown deno:deno /app /data /backups
USER deno
COPY --chown=deno:deno deno.json deno.lock deps.ts ./
RUN deno install --frozen --entrypoint deps.ts
COPY --chown=deno:deno . .
RUN deno cache --frozen main.ts ops/backup.ts ops/restore.ts ops/backup_verify.ts

FROM base AS node
ENV PORT=8000 TMS_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
# Ready = log, NATS, projections and cluster checks pass (/health/ready).
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["deno", "eval", "const r = await fetch(`http://127.0.0.1:${Deno.env.get('PORT') ?? '8000'}/health/ready`); Deno.exit(r.ok ? 0 : 1)"]
CMD ["deno", "task", "start"]

# Optional: the node as one self-contained executable on a minimal image.
FROM base AS compiled
RUN deno task compile --output /app/dist/tms
FROM gcr.io/distroless/cc-debian12:nonroot AS binary
COPY --from=compiled /app/dist/tms /usr/local/bin/tms
ENV PORT=8000 TMS_DATA_DIR=/data
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/tms"]

FROM node
