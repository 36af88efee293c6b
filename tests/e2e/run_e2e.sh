#!/usr/bin/env bash
# End-to-end test of llmgw with real clients from npm (tests/e2e/package.json) and the fake
# provider (tests/fake_upstream) behind it. One scenario per run:
#
#   bash run_e2e.sh PATH/TO/llmgw PATH/TO/llmgw_fake_upstream SCENARIO
#
# SCENARIO is openai_sdk, anthropic_sdk, claude_code or codex (each client on a provider of its own
# API), dashboard (the dashboard page in headless Chromium), or one of the translated ones, where the provider speaks another API than the client:
# claude_code_on_chat, claude_code_on_gemini, codex_on_chat, codex_on_anthropic,
# openai_sdk_on_anthropic, openai_sdk_on_gemini; or otel_traces (otel_traces.sh: the spans llmgw
# exports over OTLP); or team_nginx (team_nginx.sh: three `serve --public` on one PostgreSQL
# behind nginx). Each scenario runs in phases: start the fake
# provider, start `llmgw serve --port 0` with its own ledger, run the client(s), stop the gateway
# with SIGTERM (it must exit 0, which also flushes the ledger), then check the ledger rows and what
# reached the fake provider (its path, its API's body shape, its key). Everything lives in a fresh
# directory (HOME, XDG_*, CODEX_HOME) that is removed at the end; set E2E_KEEP=1 to keep it (with
# each phase's fake provider log as fake.PHASE.log). Every wait is bounded.
#
# Tunables (environment): E2E_CLIENT_TIMEOUT (s per client run, default 120), E2E_START_TIMEOUT
# (s for a process to report its port, default 60: AddressSanitizer builds start slowly),
# E2E_WORK_ROOT (default tests/e2e/.home; not under /tmp, see CLIENTS.md on CODEX_HOME).
set -euo pipefail

readonly e2e_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly client_timeout="${E2E_CLIENT_TIMEOUT:-120}"
readonly start_timeout="${E2E_START_TIMEOUT:-60}"
readonly stop_timeout=30
# Keys the gateway sends to the fake provider; must never be confused with the gateway token.
readonly fake_openai_key="fake-openai-key-for-e2e"
readonly fake_anthropic_key="fake-anthropic-key-for-e2e"
readonly fake_gemini_key="fake-gemini-key-for-e2e"

llmgw="" fake="" scenario=""
work="" project="" token="" gateway_url="" phase_name=""
fake_pid="" gateway_pid="" client_pid="" fake_port="" stopped_status="" phase_started=0
# The [providers] and routing part of the gateway's config; "" = the default one (openai + anthropic).
gateway_providers=""

say() { echo "[e2e $scenario${phase_name:+/$phase_name}] $*"; }
fail() {
  echo "[e2e $scenario${phase_name:+/$phase_name}] FAIL: $*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Setup and cleanup

check_prerequisites() {
  [[ -x "$llmgw" ]] || fail "llmgw binary not found or not executable: $llmgw"
  [[ -x "$fake" ]] || fail "fake upstream binary not found or not executable: $fake"
  command -v node >/dev/null || fail "node is not installed; run packaging/setup-deps.sh --test"
  command -v timeout >/dev/null || fail "the timeout command (coreutils) is missing"
  local bin
  for bin in claude codex; do
    [[ -e "$e2e_dir/node_modules/.bin/$bin" ]] ||
      fail "tests/e2e/node_modules is missing or incomplete (no .bin/$bin); run packaging/setup-deps.sh --test"
  done
  [[ -d "$e2e_dir/node_modules/openai" && -d "$e2e_dir/node_modules/@anthropic-ai/sdk" ]] ||
    fail "tests/e2e/node_modules lacks the SDKs; run packaging/setup-deps.sh --test"
}

make_work_dir() {
  local root="${E2E_WORK_ROOT:-$e2e_dir/.home}"
  mkdir -p "$root"
  work="$(mktemp -d "$root/$scenario.XXXXXX")"
  mkdir -p "$work/home" "$work/config" "$work/data" "$work/tmp" "$work/codex-home"
  # The agents' working directory must be outside any git repository (this source tree is one):
  # Claude Code puts `git status` into its prompt and Codex reads AGENTS.md up to the git root.
  project="$(mktemp -d "${TMPDIR:-/tmp}/llmgw-e2e-$scenario.XXXXXX")"
}

# Stops pid (a child of this shell) with SIGTERM, waiting at most `seconds`, then SIGKILL. Sets
# stopped_status to its exit status, or "timeout". Not for $(...): only this shell can wait for it.
stop_process() {
  local pid="$1" seconds="$2" waited=0
  stopped_status=0
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((waited < seconds * 10)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    stopped_status="timeout"
    return 0
  fi
  wait "$pid" 2>/dev/null || stopped_status=$?
}

# Shows the start of a log: where a sanitizer report begins.
show_file() {
  local title="$1" file="$2" lines="${3:-150}"
  [[ -s "$file" ]] || return 0
  echo "----- $title ($file, first $lines lines) -----" >&2
  head -n "$lines" "$file" >&2
}

# Runs on every exit: stops what this script started (by pid only), shows the logs on failure,
# removes the work directory.
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [[ -n "$client_pid" ]] && stop_group "$client_pid"
  [[ -n "$gateway_pid" ]] && stop_process "$gateway_pid" 5
  [[ -n "$fake_pid" ]] && stop_process "$fake_pid" 5
  [[ -n "${collector_pid:-}" ]] && stop_process "$collector_pid" 5
  cleanup_team
  if ((status != 0)) && [[ -n "$work" ]]; then
    local log
    for log in "$work"/*.err; do
      [[ -e "$log" ]] && show_file "$(basename "$log")" "$log"
    done
  fi
  if [[ "${E2E_KEEP:-0}" == 1 ]]; then
    echo "[e2e $scenario] kept $work and $project" >&2
  else
    [[ -n "$work" ]] && rm -rf "$work"
    [[ -n "$project" ]] && rm -rf "$project"
  fi
  exit "$status"
}

# Waits until `file` has a line matching the extended regex, at most `seconds`; prints the line.
# Fails early when `pid` dies first.
wait_for_line() {
  local file="$1" regex="$2" seconds="$3" pid="$4" what="$5" waited=0 line
  while ((waited < seconds * 10)); do
    line="$(grep -m1 -E "$regex" "$file" 2>/dev/null || true)"
    if [[ -n "$line" ]]; then
      echo "$line"
      return
    fi
    kill -0 "$pid" 2>/dev/null || fail "$what exited before it was ready"
    sleep 0.1
    waited=$((waited + 1))
  done
  fail "$what did not report its port within ${seconds}s"
}

# ---------------------------------------------------------------------------------------------
# The fake provider and the gateway

# The environment of every process started here: nothing from the caller's shell leaks in
# (no real API keys, proxies or LLMGW_* overrides), only the throw-away directories.
base_env() {
  echo "PATH=$(dirname "$(command -v node)"):/usr/local/bin:/usr/bin:/bin"
  echo "HOME=$work/home"
  echo "XDG_CONFIG_HOME=$work/config"
  echo "XDG_DATA_HOME=$work/data"
  echo "XDG_CACHE_HOME=$work/home/.cache"
  echo "TMPDIR=$work/tmp"
  echo "GIT_CEILING_DIRECTORIES=$(dirname "$project")"
  echo "LANG=C.UTF-8"
  echo "TERM=dumb"
  echo "NO_COLOR=1"
  local sanitizer
  for sanitizer in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
    [[ -n "${!sanitizer:-}" ]] && echo "$sanitizer=${!sanitizer}"
  done
  return 0
}

# Starts the fake provider with the given flags (e.g. --tool-call); sets fake_port.
start_fake() {
  rm -f "$work/fake.log" "$work/fake.out"
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  env -i "${env_vars[@]}" "$fake" --log "$work/fake.log" "$@" \
    >"$work/fake.out" 2>"$work/fake.err" </dev/null &
  fake_pid=$!
  local line
  line="$(wait_for_line "$work/fake.out" '^PORT [0-9]+$' "$start_timeout" "$fake_pid" "the fake provider")"
  fake_port="${line#PORT }"
  touch "$work/fake.log"
  say "fake provider on port $fake_port (pid $fake_pid${*:+, $*})"
}

stop_fake() {
  stop_process "$fake_pid" "$stop_timeout"
  fake_pid=""
  # The next phase starts a fresh log; keep this one for E2E_KEEP=1.
  [[ -n "$phase_name" && -e "$work/fake.log" ]] && cp "$work/fake.log" "$work/fake.$phase_name.log"
  [[ "$stopped_status" == 0 ]] || fail "the fake provider did not stop cleanly (status $stopped_status)"
}

# The config the gateway starts with: gateway_providers when a scenario set it, else one provider
# per API the clients speak.
write_gateway_config() {
  if [[ -n "$gateway_providers" ]]; then
    printf '%s\n' "$gateway_providers" >"$work/llmgw.toml"
    return
  fi
  cat >"$work/llmgw.toml" <<EOF
default_provider = "openai"

[providers.openai]
kind = "openai"
base_url = "http://127.0.0.1:$fake_port/v1"
api_key_env = "E2E_FAKE_OPENAI_KEY"

[providers.anthropic]
kind = "anthropic"
base_url = "http://127.0.0.1:$fake_port"
api_key_env = "E2E_FAKE_ANTHROPIC_KEY"
EOF
}

# Starts `llmgw serve --port 0` on ledger `db`; sets gateway_url and token.
start_gateway() {
  local db="$1"
  write_gateway_config
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  env -i "${env_vars[@]}" E2E_FAKE_OPENAI_KEY="$fake_openai_key" E2E_FAKE_ANTHROPIC_KEY="$fake_anthropic_key" \
    E2E_FAKE_GEMINI_KEY="$fake_gemini_key" "$llmgw" --config "$work/llmgw.toml" --db "$db" serve --port 0 \
    >"$work/llmgw.out" 2>"$work/llmgw.err" </dev/null &
  gateway_pid=$!
  local line
  line="$(wait_for_line "$work/llmgw.out" '^llmgw: listening on http://127\.0\.0\.1:[0-9]+$' \
    "$start_timeout" "$gateway_pid" "llmgw serve")"
  gateway_url="${line#llmgw: listening on }"
  local token_file="$work/token" # next to the --config file
  [[ -s "$token_file" ]] || fail "llmgw did not create its token at $token_file"
  local mode
  mode="$(stat -c %a "$token_file")"
  [[ "$mode" == 600 ]] || fail "token file $token_file has mode $mode, want 600"
  token="$(tr -d '[:space:]' <"$token_file")"
  say "llmgw on $gateway_url (pid $gateway_pid), ledger $(basename "$db")"
}

# SIGTERM must drain and exit 0 (under ASan a leak or error report would make it non-zero).
stop_gateway() {
  stop_process "$gateway_pid" "$stop_timeout"
  gateway_pid=""
  [[ "$stopped_status" == 0 ]] || fail "llmgw did not exit 0 after SIGTERM (status $stopped_status); see llmgw.err"
  grep -q "AddressSanitizer\|runtime error:" "$work/llmgw.err" && fail "sanitizer report in llmgw.err"
  return 0
}

# ---------------------------------------------------------------------------------------------
# Clients and checks

# Runs a client with the base environment plus `NAME=VALUE` arguments up to `--`, bounded by
# client_timeout; its output goes to $work/NAME.out/.err and is shown. Fails on non-zero exit, and
# at once when llmgw dies meanwhile: the agents retry a dead gateway for minutes.
run_client() {
  local name="$1"
  shift
  local -a extra=()
  while [[ "$1" != "--" ]]; do
    extra+=("$1")
    shift
  done
  shift
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  local status=0 started=$SECONDS
  # timeout puts itself and the client in a new process group, so the group id is its pid.
  (cd "$project" && exec timeout -k 10 "$client_timeout" env -i "${env_vars[@]}" "${extra[@]}" "$@") \
    >"$work/$name.out" 2>"$work/$name.err" </dev/null &
  client_pid=$!
  while kill -0 "$client_pid" 2>/dev/null; do
    if [[ -n "$gateway_pid" ]] && ! kill -0 "$gateway_pid" 2>/dev/null; then
      stop_group "$client_pid"
      client_pid=""
      sed 's/^/    /' "$work/$name.out"
      fail "llmgw exited while client $name was running (see llmgw.err)"
    fi
    sleep 0.2
  done
  wait "$client_pid" || status=$?
  client_pid=""
  say "client $name exited $status after $((SECONDS - started))s"
  sed 's/^/    /' "$work/$name.out"
  if ((status == 124 || status == 137)); then
    fail "client $name timed out after ${client_timeout}s"
  elif ((status != 0)); then
    fail "client $name exited with status $status"
  fi
}

# Stops the process group led by pid (a client under timeout): TERM, then KILL after 5 s.
stop_group() {
  local pid="$1" waited=0
  kill -TERM -- "-$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null && ((waited < 50)); do
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# Checks the rows of ledger `db` with clients/check_ledger.mjs (options passed through).
check_ledger() {
  local db="$1"
  shift
  local rows="$work/$(basename "$db" .db).rows.jsonl"
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  timeout 60 env -i "${env_vars[@]}" "$llmgw" --db "$db" log --json -n 1000 >"$rows" ||
    fail "llmgw log --json failed on $db"
  node "$e2e_dir/clients/check_ledger.mjs" "$rows" "$@" || fail "ledger rows do not match (above)"
}

# Checks what the fake provider received: never the gateway token, always the provider key.
check_upstream() {
  local key="$1"
  shift
  node "$e2e_dir/clients/check_fake_log.mjs" "$work/fake.log" --absent "$token" --present-in-headers "$key" "$@" ||
    fail "requests reaching the provider do not match (above)"
}

# Checks that file contains text.
check_output_contains() {
  local file="$1" text="$2"
  grep -qF -- "$text" "$file" || fail "$(basename "$file") does not contain '$text'"
}

# The phase banner; also resets the phase timer.
phase() {
  phase_name="$1"
  phase_started=$SECONDS
  say "start"
}

phase_done() {
  say "passed in $((SECONDS - phase_started))s"
  phase_name=""
}

# ---------------------------------------------------------------------------------------------
# Scenarios

# openai SDK: Chat (plain, streamed with and without include_usage) and Responses (plain,
# streamed, stream helper): 6 requests, 6 rows.
scenario_openai_sdk() {
  phase sdk
  start_fake
  start_gateway "$work/openai_sdk.db"
  run_client openai_sdk LLMGW_URL="$gateway_url" LLMGW_TOKEN="$token" -- node "$e2e_dir/clients/openai_sdk.mjs"
  stop_gateway
  check_ledger "$work/openai_sdk.db" --count 6 \
    --field agent=openai-sdk --field provider=openai --field outcome=ok --field http_status=200 \
    --field requested_model=gpt-4.1 --field served_model=gpt-4.1 \
    --some endpoint=/v1/chat/completions:3 --some endpoint=/v1/responses:3 --some streamed=1:4 --some streamed=0:2 \
    --usage openai --priced
  check_upstream "$fake_openai_key" --requests 6
  stop_fake
  phase_done
}

# @anthropic-ai/sdk: messages.create plain and stream:true, messages.stream(): 3 rows.
scenario_anthropic_sdk() {
  phase sdk
  start_fake
  start_gateway "$work/anthropic_sdk.db"
  run_client anthropic_sdk LLMGW_URL="$gateway_url" LLMGW_TOKEN="$token" -- node "$e2e_dir/clients/anthropic_sdk.mjs"
  stop_gateway
  check_ledger "$work/anthropic_sdk.db" --count 3 \
    --field agent=anthropic-sdk --field provider=anthropic --field endpoint=/v1/messages --field outcome=ok \
    --field http_status=200 --field requested_model=claude-sonnet-4-5 --some streamed=1:2 --some streamed=0:1 \
    --usage anthropic --priced
  check_upstream "$fake_anthropic_key" --requests 3 --path /v1/messages
  stop_fake
  phase_done
}

# Claude Code in print mode. The quiet variables keep it to the one connection to the gateway
# (CLIENTS.md §1); HOME is the throw-away one, so no login or onboarding state exists.
claude_env() {
  echo CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
  echo DISABLE_TELEMETRY=1
  echo DISABLE_AUTOUPDATER=1
  echo DISABLE_ERROR_REPORTING=1
  # Fail fast: by default a failing gateway turns `claude -p` into a multi-minute retry loop.
  echo CLAUDE_CODE_MAX_RETRIES=1
  echo ANTHROPIC_BASE_URL="$gateway_url"
}

run_claude() {
  local name="$1" credential="$2"
  shift 2
  local -a env_vars
  mapfile -t env_vars < <(claude_env)
  run_client "$name" "${env_vars[@]}" "$credential=$token" -- \
    "$e2e_dir/node_modules/.bin/claude" -p "$@" --output-format json --model claude-sonnet-4-5
  # The JSON result: {"type":"result","is_error":false,"result":"E2E-OK",...}
  node -e '
    const out = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    if (out.is_error || !String(out.result).includes("E2E-OK")) {
      console.error(`claude result is not E2E-OK: ${JSON.stringify(out).slice(0, 2000)}`);
      process.exit(1);
    }' "$work/$name.out" || fail "claude -p ($name) did not answer E2E-OK"
}

# `llmgw run` starts the agent itself: it sets the base URL and a key of its own (no token is
# given here) and prints the run's cost. The ledger rows carry the run's project and key.
llmgw_run_command() {
  local db="$1"
  llmgw_run=(env LLMGW_PORT="${gateway_url##*:}" "$llmgw" --config "$work/llmgw.toml" --db "$db" run --project e2e-run --)
}

check_run_summary() {
  local name="$1"
  grep -q '^llmgw run: [1-9][0-9]* requests\? (0 errors), .* (project e2e-run)' "$work/$name.err" ||
    fail "llmgw run printed no cost summary for $name (see $name.err)"
  grep 'llmgw run:' "$work/$name.err" | sed 's/^/    /'
}

scenario_claude_code() {
  phase say_hi
  start_fake
  start_gateway "$work/claude_hi.db"
  # x-api-key (ANTHROPIC_API_KEY), then Authorization: Bearer (ANTHROPIC_AUTH_TOKEN).
  run_claude claude_api_key ANTHROPIC_API_KEY "say hi"
  run_claude claude_auth_token ANTHROPIC_AUTH_TOKEN "say hi"
  stop_gateway
  check_ledger "$work/claude_hi.db" --min-count 2 \
    --field agent=claude-code --field provider=anthropic --field endpoint=/v1/messages --field outcome=ok \
    --field http_status=200 --field streamed=1 --field requested_model=claude-sonnet-4-5 --nonempty session_id \
    --usage anthropic --priced
  check_upstream "$fake_anthropic_key" --min-requests 2 --path /v1/messages
  stop_fake
  phase_done

  # The fake answers the first turn with a Bash tool_use; Claude Code runs it (allowed by
  # --allowedTools, as print mode cannot ask) and sends the tool_result back: 2 requests.
  phase tool_call
  start_fake --tool-call
  start_gateway "$work/claude_tool.db"
  run_claude claude_tool ANTHROPIC_API_KEY "run echo llmgw-e2e with the Bash tool" --allowedTools Bash
  stop_gateway
  check_ledger "$work/claude_tool.db" --min-count 2 \
    --field agent=claude-code --field provider=anthropic --field endpoint=/v1/messages --field outcome=ok \
    --field http_status=200 --field streamed=1 --nonempty session_id --usage anthropic --priced
  check_upstream "$fake_anthropic_key" --min-requests 2 --path /v1/messages --tool-result anthropic
  stop_fake
  phase_done

  phase llmgw_run
  start_fake
  start_gateway "$work/claude_run.db"
  local -a quiet
  mapfile -t quiet < <(claude_env | grep -v '^ANTHROPIC_BASE_URL=')
  llmgw_run_command "$work/claude_run.db"
  run_client claude_run "${quiet[@]}" -- "${llmgw_run[@]}" \
    "$e2e_dir/node_modules/.bin/claude" -p "say hi" --output-format json --model claude-sonnet-4-5
  check_run_summary claude_run
  grep -q 'E2E-OK' "$work/claude_run.out" || fail "claude under llmgw run did not answer E2E-OK"
  stop_gateway
  check_ledger "$work/claude_run.db" --min-count 1 \
    --field agent=claude-code --field provider=anthropic --field outcome=ok --field project=e2e-run \
    --nonempty key --usage anthropic --priced
  stop_fake
  phase_done
}

# Codex CLI with a custom provider on the Responses wire (wire_api = "chat" is gone in 0.169).
# Codex takes neither OPENAI_BASE_URL nor OPENAI_API_KEY for a custom provider: the URL is in
# config.toml and the key comes from the variable named by env_key.
write_codex_config() {
  cat >"$work/codex-home/config.toml" <<EOF
model = "gpt-4.1"
model_provider = "llmgw"

[model_providers.llmgw]
name = "llmgw"
base_url = "$gateway_url/v1"
env_key = "LLMGW_API_KEY"
wire_api = "responses"
# One retry, not Codex's default five per request and stream: a broken gateway fails fast.
request_max_retries = 1
stream_max_retries = 1
EOF
}

run_codex() {
  local name="$1" prompt="$2"
  write_codex_config
  # --disable plugins and analytics.enabled=false stop the calls to github.com, chatgpt.com and
  # ab.chatgpt.com (CLIENTS.md §1); without unbounded_connection_retries an unreachable gateway
  # is an error, not an endless "Reconnecting". The work dir is no git repo. danger-full-access:
  # the tool call only runs `echo`, and Linux sandboxing is often unavailable inside CI containers.
  run_client "$name" CODEX_HOME="$work/codex-home" LLMGW_API_KEY="$token" -- \
    "$e2e_dir/node_modules/.bin/codex" exec --skip-git-repo-check --disable plugins \
    --disable unbounded_connection_retries -c analytics.enabled=false \
    --sandbox danger-full-access --color never --output-last-message "$work/$name.last" "$prompt"
  check_output_contains "$work/$name.last" "E2E-OK"
}

scenario_codex() {
  phase say_hi
  start_fake
  start_gateway "$work/codex_hi.db"
  run_codex codex_hi "say hi"
  stop_gateway
  check_ledger "$work/codex_hi.db" --count 1 \
    --field agent=codex --field provider=openai --field endpoint=/v1/responses --field outcome=ok \
    --field http_status=200 --field streamed=1 --field requested_model=gpt-4.1 --nonempty session_id \
    --usage openai --priced
  check_upstream "$fake_openai_key" --requests 1 --path /v1/responses
  stop_fake
  phase_done

  # The fake answers with a function_call to Codex's shell tool; Codex runs it and sends the
  # function_call_output back: 2 requests.
  phase tool_call
  start_fake --tool-call
  start_gateway "$work/codex_tool.db"
  run_codex codex_tool "run echo llmgw-e2e"
  stop_gateway
  check_ledger "$work/codex_tool.db" --min-count 2 \
    --field agent=codex --field provider=openai --field endpoint=/v1/responses --field outcome=ok \
    --field http_status=200 --field streamed=1 --nonempty session_id --usage openai --priced
  check_upstream "$fake_openai_key" --min-requests 2 --path /v1/responses --tool-result responses
  stop_fake
  phase_done

  # The built-in provider (openai_base_url) first tries a WebSocket upgrade on GET /v1/responses;
  # llmgw answers 426 and Codex falls back to POST at once (on a 405 it retried with backoff:
  # 7.5-9.2 s a run instead of ~2 s). The key comes from `codex login --with-api-key`.
  phase builtin_provider
  start_fake
  start_gateway "$work/codex_builtin.db"
  mkdir -p "$work/codex-home-builtin"
  printf 'model = "gpt-4.1"\nopenai_base_url = "%s/v1"\n' "$gateway_url" >"$work/codex-home-builtin/config.toml"
  printf '%s\n' "$token" | env -i HOME="$work/home" PATH="$PATH" CODEX_HOME="$work/codex-home-builtin" \
    "$e2e_dir/node_modules/.bin/codex" login --with-api-key >"$work/codex_login.out" 2>&1 ||
    fail "codex login --with-api-key failed: $(cat "$work/codex_login.out")"
  local builtin_started=$SECONDS
  run_client codex_builtin CODEX_HOME="$work/codex-home-builtin" -- \
    "$e2e_dir/node_modules/.bin/codex" exec --skip-git-repo-check --disable plugins \
    --disable unbounded_connection_retries -c analytics.enabled=false \
    --sandbox danger-full-access --color never --output-last-message "$work/codex_builtin.last" "say hi"
  local builtin_seconds=$((SECONDS - builtin_started))
  check_output_contains "$work/codex_builtin.last" "E2E-OK"
  ((builtin_seconds <= 6)) || fail "codex with its built-in provider took ${builtin_seconds}s through llmgw"
  stop_gateway
  check_ledger "$work/codex_builtin.db" --count 1 \
    --field agent=codex --field provider=openai --field endpoint=/v1/responses --field outcome=ok
  stop_fake
  phase_done

  # Codex takes its provider only from config: `llmgw run` names one with -c arguments.
  phase llmgw_run
  start_fake
  start_gateway "$work/codex_run.db"
  mkdir -p "$work/codex-home-run"
  llmgw_run_command "$work/codex_run.db"
  run_client codex_run CODEX_HOME="$work/codex-home-run" -- "${llmgw_run[@]}" \
    "$e2e_dir/node_modules/.bin/codex" exec --skip-git-repo-check --disable plugins \
    --disable unbounded_connection_retries -c analytics.enabled=false \
    --sandbox danger-full-access --color never -m gpt-4.1 --output-last-message "$work/codex_run.last" "say hi"
  check_run_summary codex_run
  check_output_contains "$work/codex_run.last" "E2E-OK"
  stop_gateway
  check_ledger "$work/codex_run.db" --min-count 1 \
    --field agent=codex --field provider=openai --field endpoint=/v1/responses --field outcome=ok \
    --field project=e2e-run --nonempty key --usage openai --priced
  stop_fake
  phase_done
}

# ---------------------------------------------------------------------------------------------
# Translated scenarios: the provider speaks another API than the client, so the gateway
# translates the request, the response or stream, and the usage. The fake refuses (with the real
# provider's 400) what that provider would refuse, so a leaked field or an unanswered tool call
# fails the client; the checks below then assert the provider's path, body shape and key, the
# tool result in its format, and the ledger's normalised usage and cost.

# The [providers] sections of the translated scenarios (fake_port must be known: after start_fake).
chat_provider() {
  cat <<EOF
[providers.fakechat]
kind = "openai_compatible"
base_url = "http://127.0.0.1:$fake_port/v1"
api_key_env = "E2E_FAKE_OPENAI_KEY"
EOF
}

anthropic_provider() {
  cat <<EOF
[providers.fakeanthropic]
kind = "anthropic"
base_url = "http://127.0.0.1:$fake_port"
api_key_env = "E2E_FAKE_ANTHROPIC_KEY"
EOF
}

gemini_provider() {
  cat <<EOF
[providers.fakegemini]
kind = "gemini"
base_url = "http://127.0.0.1:$fake_port"
api_key_env = "E2E_FAKE_GEMINI_KEY"
EOF
}

# Claude Code's --output-format json reports the usage it was told, summed over its requests:
# each of them must be the provider's usage in Anthropic terms (input excludes the cache counts).
check_claude_usage() {
  local name="$1" input="$2" cache_read="$3" cache_write="$4" output="$5"
  node -e '
    const [file, ...want] = process.argv.slice(1).map((v, i) => (i ? Number(v) : v));
    const usage = JSON.parse(require("fs").readFileSync(file, "utf8")).usage ?? {};
    const got = [usage.input_tokens, usage.cache_read_input_tokens, usage.cache_creation_input_tokens,
                 usage.output_tokens];
    const turns = got[3] / want[3];
    const ok = Number.isInteger(turns) && turns >= 1 && got.every((v, i) => v === want[i] * turns);
    const per_request = `input ${want[0]}, cache read ${want[1]}, cache write ${want[2]}, output ${want[3]}`;
    if (!ok) {
      console.error(`claude reported usage ${JSON.stringify(usage)}, want per request ${per_request}`);
      process.exit(1);
    }
    console.log(`    claude usage ok: ${turns} request(s) of ${per_request}`);
  ' "$work/$name.out" "$input" "$cache_read" "$cache_write" "$output" ||
    fail "claude -p ($name) reports other usage than the provider's"
}

# Claude Code on an OpenAI-compatible provider: Anthropic Messages in, Chat Completions upstream.
scenario_claude_code_on_chat() {
  # claude-sonnet-4-5 is served as gpt-4.1 (priced): the row costs gpt-4.1's price of the usage.
  phase tool_call
  start_fake --tool-call
  gateway_providers="default_provider = \"fakechat\"
[models]
\"claude-sonnet-4-5\" = \"fakechat/gpt-4.1\"
$(chat_provider)"
  start_gateway "$work/claude_chat.db"
  run_claude claude_tool ANTHROPIC_API_KEY "run echo llmgw-e2e with the Bash tool" --allowedTools Bash
  check_claude_usage claude_tool 80 40 0 10
  stop_gateway
  check_ledger "$work/claude_chat.db" --min-count 2 \
    --field agent=claude-code --field provider=fakechat --field endpoint=/v1/messages --field outcome=ok \
    --field http_status=200 --field streamed=1 --field requested_model=claude-sonnet-4-5 --field served_model=gpt-4.1 \
    --nonempty session_id --usage openai --priced
  check_upstream "$fake_openai_key" --min-requests 2 --path /v1/chat/completions --format chat --some-stream 2 \
    --header authorization="Bearer $fake_openai_key" --no-header x-api-key --no-header anthropic-beta \
    --no-header anthropic-version --tool-result chat
  stop_fake
  phase_done

  # Served as a model the price table does not know, by an openai_compatible provider on this
  # machine: the row costs 0 as a local model ("local" price version), never the price of the
  # claude model the client asked for.
  phase local_model
  start_fake
  gateway_providers="default_provider = \"fakechat\"
[models]
\"claude-sonnet-4-5\" = \"fakechat/local-coder-e2e\"
$(chat_provider)"
  start_gateway "$work/claude_chat_local.db"
  run_claude claude_hi ANTHROPIC_AUTH_TOKEN "say hi"
  stop_gateway
  check_ledger "$work/claude_chat_local.db" --min-count 1 \
    --field agent=claude-code --field provider=fakechat --field outcome=ok --field http_status=200 \
    --field requested_model=claude-sonnet-4-5 --field served_model=local-coder-e2e --usage openai \
    --field cost_usd_pico=0 --field unpriced=0 --field price_version=local
  check_upstream "$fake_openai_key" --min-requests 1 --path /v1/chat/completions --format chat
  stop_fake
  phase_done
}

# Claude Code on a Gemini provider: streamGenerateContent?alt=sse upstream, the functionCall's
# thoughtSignature carried through Claude Code's turn and replayed on the next request.
scenario_claude_code_on_gemini() {
  phase tool_call
  start_fake --tool-call
  gateway_providers="default_provider = \"fakegemini\"
[models]
\"claude-sonnet-4-5\" = \"fakegemini/gemini-2.5-flash\"
$(gemini_provider)"
  start_gateway "$work/claude_gemini.db"
  run_claude claude_tool ANTHROPIC_API_KEY "run echo llmgw-e2e with the Bash tool" --allowedTools Bash
  check_claude_usage claude_tool 120 30 0 35
  stop_gateway
  check_ledger "$work/claude_gemini.db" --min-count 2 \
    --field agent=claude-code --field provider=fakegemini --field endpoint=/v1/messages --field outcome=ok \
    --field http_status=200 --field streamed=1 --field requested_model=claude-sonnet-4-5 \
    --field served_model=gemini-2.5-flash --nonempty session_id --usage gemini --priced
  check_upstream "$fake_gemini_key" --min-requests 2 --path /v1beta/models/gemini-2.5-flash:streamGenerateContent \
    --stream-query alt=sse --format gemini --header x-goog-api-key="$fake_gemini_key" --no-header authorization \
    --no-header x-api-key --no-header anthropic-beta --tool-result gemini --gemini-signature sig-e2e-1
  stop_fake
  phase_done
}

# Codex on an OpenAI-compatible provider without the Responses API: Responses in, Chat upstream.
# gpt-4.1 has no provider of kind openai here, so it goes to the default provider as it is.
scenario_codex_on_chat() {
  phase tool_call
  start_fake --tool-call
  gateway_providers="default_provider = \"fakechat\"
$(chat_provider)"
  start_gateway "$work/codex_chat.db"
  run_codex codex_tool "run echo llmgw-e2e"
  stop_gateway
  check_ledger "$work/codex_chat.db" --min-count 2 \
    --field agent=codex --field provider=fakechat --field endpoint=/v1/responses --field outcome=ok \
    --field http_status=200 --field streamed=1 --field requested_model=gpt-4.1 --field served_model=gpt-4.1 \
    --nonempty session_id --usage openai --priced
  check_upstream "$fake_openai_key" --min-requests 2 --path /v1/chat/completions --format chat --some-stream 2 \
    --header authorization="Bearer $fake_openai_key" --tool-result chat
  stop_fake
  phase_done
}

# Codex on an Anthropic provider: Responses in, Messages upstream (gpt-4.1 mapped to a claude model).
scenario_codex_on_anthropic() {
  phase tool_call
  start_fake --tool-call
  gateway_providers="default_provider = \"fakeanthropic\"
[models]
\"gpt-4.1\" = \"fakeanthropic/claude-sonnet-4-5\"
$(anthropic_provider)"
  start_gateway "$work/codex_anthropic.db"
  run_codex codex_tool "run echo llmgw-e2e"
  stop_gateway
  check_ledger "$work/codex_anthropic.db" --min-count 2 \
    --field agent=codex --field provider=fakeanthropic --field endpoint=/v1/responses --field outcome=ok \
    --field http_status=200 --field streamed=1 --field requested_model=gpt-4.1 --field served_model=claude-sonnet-4-5 \
    --nonempty session_id --usage anthropic --priced
  check_upstream "$fake_anthropic_key" --min-requests 2 --path /v1/messages --format anthropic --some-stream 2 \
    --header x-api-key="$fake_anthropic_key" --header anthropic-version=2023-06-01 --no-header authorization \
    --tool-result anthropic
  stop_fake
  phase_done
}

# The openai SDK (clients/openai_sdk_translated.mjs: 7 Chat requests, 4 of them in two tool round
# trips, and 2 Responses requests) against a provider of another API. The model routes by its
# family (claude-* to the anthropic kind, gemini-* to the gemini kind), not to the default provider.
run_translated_sdk() {
  local upstream="$1" model="$2" provider="$3"
  phase sdk
  start_fake --tool-call
  gateway_providers="default_provider = \"fakechat\"
$(chat_provider)

$("${upstream}_provider")"
  start_gateway "$work/openai_sdk_$upstream.db"
  run_client openai_sdk LLMGW_URL="$gateway_url" LLMGW_TOKEN="$token" E2E_UPSTREAM="$upstream" E2E_MODEL="$model" -- \
    node "$e2e_dir/clients/openai_sdk_translated.mjs"
  stop_gateway
  check_ledger "$work/openai_sdk_$upstream.db" --count 9 \
    --field agent=openai-sdk --field provider="$provider" --field outcome=ok --field http_status=200 \
    --field requested_model="$model" --field served_model="$model" \
    --some endpoint=/v1/chat/completions:7 --some endpoint=/v1/responses:2 --some streamed=1:5 --some streamed=0:4 \
    --usage "$upstream" --priced
}

scenario_openai_sdk_on_anthropic() {
  run_translated_sdk anthropic claude-sonnet-4-5 fakeanthropic
  check_upstream "$fake_anthropic_key" --requests 9 --path /v1/messages --format anthropic --some-stream 5 \
    --header x-api-key="$fake_anthropic_key" --no-header authorization --tool-result anthropic
  stop_fake
  phase_done
}

scenario_openai_sdk_on_gemini() {
  run_translated_sdk gemini gemini-2.5-flash fakegemini
  check_upstream "$fake_gemini_key" --requests 9 \
    --path "/v1beta/models/gemini-2.5-flash:generateContent|/v1beta/models/gemini-2.5-flash:streamGenerateContent" \
    --stream-query alt=sse --format gemini --some-stream 5 --header x-goog-api-key="$fake_gemini_key" \
    --no-header authorization --tool-result gemini --gemini-signature sig-e2e-1
  stop_fake
  phase_done
}

# The dashboard page (issue 17) in headless Chromium (Debian's chromium, driven by playwright-core):
# clients/dashboard.mjs sends a known load, signs in with a one-time link, checks every view
# against the ledger, the live log, a request's detail, a foreign origin and the phone width. A
# month cap set before the start gives the caps view something to show.
scenario_dashboard() {
  phase page
  [[ -x "${E2E_CHROMIUM:-/usr/bin/chromium}" ]] || fail "chromium is not installed; run packaging/setup-deps.sh --test"
  [[ -d "$e2e_dir/node_modules/playwright-core" ]] || fail "tests/e2e/node_modules lacks playwright-core; run packaging/setup-deps.sh --test"
  command -v sqlite3 >/dev/null || fail "the sqlite3 CLI is missing; run packaging/setup-deps.sh"
  start_fake
  local db="$work/dashboard.db"
  write_gateway_config
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  timeout 60 env -i "${env_vars[@]}" "$llmgw" --config "$work/llmgw.toml" --db "$db" cap set --month 50 \
    >"$work/cap.out" 2>&1 || fail "llmgw cap set failed: $(cat "$work/cap.out")"
  start_gateway "$db"
  run_client dashboard LLMGW_URL="$gateway_url" LLMGW_TOKEN="$token" LLMGW_DB="$db" \
    ${E2E_CHROMIUM:+E2E_CHROMIUM="$E2E_CHROMIUM"} -- node "$e2e_dir/clients/dashboard.mjs"
  stop_gateway
  stop_fake
  phase_done
}
# OpenTelemetry traces to a stand-in collector.
source "$e2e_dir/otel_traces.sh"
# Team mode: three instances on PostgreSQL behind nginx.
source "$e2e_dir/team_nginx.sh"

main() {
  if (($# != 3)); then
    echo "usage: run_e2e.sh LLMGW_BINARY FAKE_UPSTREAM_BINARY SCENARIO" >&2
    exit 2
  fi
  llmgw="$(realpath "$1")" fake="$(realpath "$2")" scenario="$3"
  declare -F "scenario_$scenario" >/dev/null || fail "unknown scenario '$scenario'"
  check_prerequisites
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  make_work_dir
  local started=$SECONDS
  "scenario_$scenario"
  say "all phases passed in $((SECONDS - started))s"
}

main "$@"
