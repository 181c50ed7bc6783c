# TMS node. Deno is pinned and installed from the npm registry.
FROM node:20-bookworm-slim
RUN npm install -g deno@2.9.6 && deno --version
WORKDIR /app
COPY deno.json deno.lock deps.ts ./
RUN deno install --frozen --entrypoint deps.ts
COPY . .
RUN deno cache --frozen main.ts
ENV PORT=8000 TMS_DATA_DIR=/data
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=2s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["deno", "task", "start"]
