// A stand-in OTLP/HTTP trace collector for the otel_traces e2e scenario: takes POST /v1/traces,
// keeps each body as DIR/export-N.bin with DIR/export-N.json ({content_type, authorization, path}),
// answers 200 with an empty ExportTraceServiceResponse in the request's encoding. Prints
// "PORT n" once it listens on 127.0.0.1; exits on SIGTERM. Usage: node otlp_collector.mjs DIR
import { createServer } from "node:http";
import { writeFileSync } from "node:fs";

const dir = process.argv[2];
let count = 0;

const server = createServer((request, response) => {
  const chunks = [];
  request.on("data", (chunk) => chunks.push(chunk));
  request.on("end", () => {
    if (request.method !== "POST" || request.url !== "/v1/traces") {
      response.writeHead(404).end();
      return;
    }
    const n = ++count;
    const type = request.headers["content-type"] ?? "";
    writeFileSync(`${dir}/export-${n}.bin`, Buffer.concat(chunks));
    writeFileSync(`${dir}/export-${n}.json`,
                  JSON.stringify({ content_type: type, authorization: request.headers["authorization"] ?? "", path: request.url }));
    if (type === "application/json") response.writeHead(200, { "content-type": "application/json" }).end("{}");
    else response.writeHead(200, { "content-type": "application/x-protobuf" }).end(Buffer.alloc(0));
  });
});

server.listen(0, "127.0.0.1", () => console.log(`PORT ${server.address().port}`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
