# The otel_traces e2e scenario (sourced by run_e2e.sh): llmgw with [telemetry] pointed at a
# stand-in OTLP collector (clients/otlp_collector.mjs); the Anthropic SDK sends a request with a
# W3C traceparent and one without; after SIGTERM (which flushes the spans) the exports are
# decoded with the official OpenTelemetry JS protobuf definitions and compared with the ledger.
# Two phases: http/protobuf, then http/json.

collector_pid=""
readonly otel_traceparent="00-5e2e5e2e5e2e5e2e5e2e5e2e5e2e5e2e-00f067aa0ba902b7-01"
readonly otel_auth="Basic ZmFrZS1wdWJsaWMta2V5OmZha2Utc2VjcmV0LWtleQ==" # fake-public-key:fake-secret-key

start_collector() {
  local dir="$1"
  mkdir -p "$dir"
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  env -i "${env_vars[@]}" node "$e2e_dir/clients/otlp_collector.mjs" "$dir" \
    >"$work/collector.out" 2>"$work/collector.err" </dev/null &
  collector_pid=$!
  local line
  line="$(wait_for_line "$work/collector.out" '^PORT [0-9]+$' "$start_timeout" "$collector_pid" "the collector")"
  collector_port="${line#PORT }"
  say "OTLP collector on port $collector_port (pid $collector_pid)"
}

stop_collector() {
  stop_process "$collector_pid" "$stop_timeout"
  collector_pid=""
  [[ "$stopped_status" == 0 ]] || fail "the collector did not stop cleanly (status $stopped_status)"
}

otel_phase() {
  local protocol="$1"
  phase "$protocol"
  start_fake
  start_collector "$work/exports-$protocol"
  gateway_providers="default_provider = \"anthropic\"

[providers.anthropic]
kind = \"anthropic\"
base_url = \"http://127.0.0.1:$fake_port\"
api_key_env = \"E2E_FAKE_ANTHROPIC_KEY\"

[telemetry]
endpoint = \"http://127.0.0.1:$collector_port\"
protocol = \"http/$protocol\"
[telemetry.headers]
Authorization = \"$otel_auth\""
  start_gateway "$work/otel_$protocol.db"
  run_client "otel_$protocol" LLMGW_URL="$gateway_url" LLMGW_TOKEN="$token" LLMGW_TRACEPARENT="$otel_traceparent" -- \
    node "$e2e_dir/clients/otel_client.mjs"
  stop_gateway
  stop_collector
  grep -qF "${otel_auth#Basic }" "$work/llmgw.err" && fail "llmgw.err shows the telemetry header's value"
  check_ledger "$work/otel_$protocol.db" --count 2 --field outcome=ok --field provider=anthropic
  local rows="$work/otel_$protocol.rows.jsonl"
  node "$e2e_dir/clients/check_traces.mjs" "$work/exports-$protocol" "$rows" --protocol "$protocol" \
    --traceparent "$otel_traceparent" --auth "$otel_auth" || fail "the exported spans do not match (above)"
  stop_fake
  phase_done
}

scenario_otel_traces() {
  [[ -d "$e2e_dir/node_modules/@opentelemetry/otlp-transformer" ]] ||
    fail "tests/e2e/node_modules lacks @opentelemetry/otlp-transformer; run packaging/setup-deps.sh --test"
  otel_phase protobuf
  otel_phase json
}
