# The team_nginx e2e scenario (sourced by run_e2e.sh): team mode end to end (issue 18). A
# throwaway PostgreSQL cluster (tests/support/pg_cluster.sh), three `llmgw serve --public`
# processes on it, an nginx round-robin in front (packaging/nginx-team.conf's proxy settings, plain
# HTTP on 127.0.0.1), and the real clients sending through nginx with virtual keys: the openai SDK
# (alice), the Anthropic SDK (bob) and Claude Code in print mode (carol), then both SDKs with the
# gateway token, which team mode refuses. Checked by clients/check_team.mjs: every answer, every
# request once in the shared ledger with its user and cost, every instance used.

readonly team_instances=3
# The whole scenario takes 17-25 s; past this the watchdog ends it (and cleanup stops everything).
readonly team_deadline="${E2E_TEAM_DEADLINE:-100}"
team_pg_dir="" nginx_pid="" nginx_url="" pg_url="" watchdog_pid=""
team_pids=() team_ports=()

# Stops what the scenario started, by pid (run_e2e.sh's cleanup calls it on every exit).
cleanup_team() {
  local pid
  for pid in "${team_pids[@]}"; do stop_process "$pid" 5; done
  team_pids=()
  [[ -n "$nginx_pid" ]] && stop_process "$nginx_pid" 5
  nginx_pid=""
  [[ -n "$watchdog_pid" ]] && stop_process "$watchdog_pid" 1
  watchdog_pid=""
  if [[ -n "$team_pg_dir" ]]; then
    bash "$e2e_dir/../support/pg_cluster.sh" stop "$team_pg_dir" >/dev/null 2>&1 || true
    team_pg_dir=""
  fi
}

start_team_database() {
  team_pg_dir="$work/pg"
  bash "$e2e_dir/../support/pg_cluster.sh" start "$team_pg_dir" >"$work/pg.out" 2>"$work/pg.err" ||
    fail "the PostgreSQL test cluster did not start (see pg.err)"
  pg_url="$(cat "$team_pg_dir/url")"
  say "PostgreSQL at $pg_url"
}

# `llmgw` on the shared store with the scenario's config, bounded; output to $work/NAME.out.
team_cli() {
  local name="$1"
  shift
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  timeout 60 env -i "${env_vars[@]}" "$llmgw" --config "$work/llmgw.toml" --db "$pg_url" "$@" \
    >"$work/$name.out" 2>"$work/$name.err" || fail "llmgw $* failed: $(cat "$work/$name.err")"
}

# A virtual key for user NAME (printed once by `key create`).
create_team_key() {
  local user="$1"
  team_cli "key_$user" key create "$user-laptop" --user "$user"
  grep -o 'llmgw-vk-[0-9a-f]*' "$work/key_$user.out" | head -n 1
}

start_team_instance() {
  local n="$1"
  local -a env_vars
  mapfile -t env_vars < <(base_env)
  env -i "${env_vars[@]}" E2E_FAKE_OPENAI_KEY="$fake_openai_key" E2E_FAKE_ANTHROPIC_KEY="$fake_anthropic_key" \
    "$llmgw" --config "$work/llmgw.toml" --db "$pg_url" serve --port 0 --public \
    >"$work/llmgw$n.out" 2>"$work/llmgw$n.err" </dev/null &
  team_pids+=("$!")
  local line
  line="$(wait_for_line "$work/llmgw$n.out" '^llmgw: listening on http://127\.0\.0\.1:[0-9]+$' \
    "$start_timeout" "$!" "llmgw serve #$n")"
  team_ports+=("${line##*:}")
}

# nginx in the foreground (a child of this shell: stopped by its pid), one process, on a free
# port: a random one, again when it is taken.
start_nginx() {
  local root="$work/nginx" servers="" port
  mkdir -p "$root"
  for port in "${team_ports[@]}"; do servers+="    server 127.0.0.1:$port max_fails=3 fail_timeout=10s;"$'\n'; done
  local attempt
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    cat >"$root/nginx.conf" <<CONF
daemon off;
master_process off;
pid $root/nginx.pid;
error_log $root/error.log warn;
events { worker_connections 256; }
http {
  log_format upstreams '\$upstream_addr \$status \$request_uri';
  access_log $root/access.log upstreams;
  client_body_temp_path $root/client_body;
  proxy_temp_path $root/proxy;
  fastcgi_temp_path $root/fastcgi;
  uwsgi_temp_path $root/uwsgi;
  scgi_temp_path $root/scgi;
  client_max_body_size 32m;
  upstream llmgw {
$servers    keepalive 16;
  }
  server {
    listen 127.0.0.1:$port;
    location / {
      proxy_pass http://llmgw;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_cache off;
      gzip off;
      proxy_read_timeout 60s;
      proxy_connect_timeout 5s;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
    }
  }
}
CONF
    : >"$root/error.log"
    /usr/sbin/nginx -p "$root" -e "$root/error.log" -c "$root/nginx.conf" </dev/null >"$work/nginx.out" 2>&1 &
    nginx_pid=$!
    local waited=0
    while ((waited < 50)) && kill -0 "$nginx_pid" 2>/dev/null && ! port_open "$port"; do
      sleep 0.1
      waited=$((waited + 1))
    done
    if kill -0 "$nginx_pid" 2>/dev/null && port_open "$port"; then
      nginx_url="http://127.0.0.1:$port"
      say "nginx on $nginx_url (pid $nginx_pid) in front of ports ${team_ports[*]}"
      return
    fi
    stop_process "$nginx_pid" 5
    nginx_pid=""
    grep -q "Address already in use" "$root/error.log" "$work/nginx.out" ||
      fail "nginx did not start: $(cat "$root/error.log" "$work/nginx.out")"
  done
  fail "nginx found no free port in 10 tries"
}

# True when something accepts connections on 127.0.0.1:port (bash's /dev/tcp: no curl needed).
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

scenario_team_nginx() {
  phase team
  # SIGTERM to this shell runs its cleanup: every process above is stopped by its pid.
  (
    trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
    sleep "$team_deadline" &
    sleeper=$!
    wait "$sleeper" && echo "[e2e team_nginx] FAIL: still running after ${team_deadline}s" >&2 && kill -TERM $$
  ) &
  watchdog_pid=$!
  [[ -x /usr/sbin/nginx ]] || fail "nginx is not installed; run packaging/setup-deps.sh --test"
  start_team_database
  start_fake
  write_gateway_config
  # Team mode: any request names the host clients use; nginx passes theirs (127.0.0.1) through.
  printf '\n[server]\npublic = true\nhosts = ["127.0.0.1"]\nshutdown_grace_seconds = 2\n' >>"$work/llmgw.toml"
  local alice bob carol
  alice="$(create_team_key alice)"
  bob="$(create_team_key bob)"
  carol="$(create_team_key carol)"
  [[ -n "$alice" && -n "$bob" && -n "$carol" ]] || fail "llmgw key create printed no key"
  team_ports=()
  local n
  for ((n = 1; n <= team_instances; n++)); do start_team_instance "$n"; done
  start_nginx
  token="$(tr -d '[:space:]' <"$work/token")" # the gateway token, shared by the instances' config

  gateway_url="$nginx_url" # Claude Code's base URL (claude_env)
  run_client team_openai LLMGW_URL="$nginx_url" LLMGW_TOKEN="$alice" -- node "$e2e_dir/clients/openai_sdk.mjs"
  run_client team_anthropic LLMGW_URL="$nginx_url" LLMGW_TOKEN="$bob" -- node "$e2e_dir/clients/anthropic_sdk.mjs"
  local gateway_token="$token"
  token="$carol"
  run_claude team_claude ANTHROPIC_API_KEY "say hi"
  token="$gateway_token"
  run_client team_refused LLMGW_URL="$nginx_url" LLMGW_TOKEN="$gateway_token" -- \
    node "$e2e_dir/clients/team_refused.mjs"

  # SIGTERM: each instance writes its last rows and exits 0.
  local pid
  for pid in "${team_pids[@]}"; do
    stop_process "$pid" "$stop_timeout"
    [[ "$stopped_status" == 0 ]] || fail "llmgw serve (pid $pid) did not exit 0 after SIGTERM (status $stopped_status)"
  done
  team_pids=()
  grep -q "AddressSanitizer\|runtime error:" "$work"/llmgw[0-9].err && fail "sanitizer report in an llmgw*.err"
  stop_process "$nginx_pid" "$stop_timeout"
  nginx_pid=""
  team_cli usage usage --by user --json
  team_cli rows log --json -n 1000
  node "$e2e_dir/clients/check_team.mjs" "$work/usage.out" "$work/rows.out" "$work/nginx/access.log" "$work/fake.log" \
    --instances "$team_instances" --user alice=6 --user bob=3 --user carol=+ --refused 2 ||
    fail "the shared ledger, the users or the spread over the instances do not match (above)"
  # Neither the gateway token nor a virtual key ever reaches the provider.
  node "$e2e_dir/clients/check_fake_log.mjs" "$work/fake.log" --absent "$token" --absent "$alice" --absent "$bob" \
    --absent "$carol" || fail "a client credential reached the provider (above)"
  stop_fake
  phase_done
}
