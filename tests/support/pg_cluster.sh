#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests of the PostgreSQL store.
#   pg_cluster.sh start DIR   initdb a cluster in a new temporary directory, start it on a free
#                             port (127.0.0.1 only, trust auth, fsync off), create database
#                             llmgw_test and write its URL to DIR/url
#   pg_cluster.sh stop DIR    stop it (immediate) and remove its directory and DIR
#   pg_cluster.sh halt DIR    stop the server (fast) but keep the cluster: the database goes away
#   pg_cluster.sh resume DIR  start the halted server again, on the same port
# PostgreSQL refuses to run as root: run as root (as CI does), the cluster belongs to `nobody`.
# Needs Debian's postgresql package (/usr/lib/postgresql/<version>/bin).
set -euo pipefail

usage() { echo "usage: pg_cluster.sh start|stop|halt|resume DIR" >&2; exit 2; }
(($# == 2)) || usage
action="$1"
dir="$2"

bin=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V); do bin="$candidate"; done
if [[ -z "$bin" ]]; then
  initdb_path="$(command -v initdb || true)"
  [[ -n "$initdb_path" ]] && bin="$(dirname "$initdb_path")"
fi

as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u nobody -- "$@"
  else
    "$@"
  fi
}

# pg_ctl start on CLUSTER at PORT.
start_server() {
  local cluster="$1" port="$2"
  as_owner "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 30 start -o \
    "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$cluster -c fsync=off \
     -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null 2>&1
}

start() {
  [[ -n "$bin" ]] || { echo "pg_cluster: no PostgreSQL found (install Debian's postgresql package)" >&2; exit 1; }
  mkdir -p "$dir"
  rm -f "$dir/url"
  local cluster
  cluster="$(mktemp -d "${TMPDIR:-/tmp}/llmgw-pg.XXXXXX")"
  echo "$cluster" >"$dir/cluster"
  chmod 0755 "$cluster"
  [[ "$(id -u)" == 0 ]] && chown nobody "$cluster"
  as_owner "$bin/initdb" -D "$cluster/data" -U llmgw -A trust --no-sync -E UTF8 --locale=C >"$cluster/initdb.log" 2>&1 ||
    { cat "$cluster/initdb.log" >&2; exit 1; }
  # Trust on the socket in the cluster's own directory and on 127.0.0.1 only.
  printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' | as_owner tee "$cluster/data/pg_hba.conf" >/dev/null
  local port started=0
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + RANDOM % 40000))
    if start_server "$cluster" "$port"; then
      echo "$port" >"$dir/port"
      started=1
      break
    fi
  done
  ((started)) || { echo "pg_cluster: the server did not start:" >&2; cat "$cluster/server.log" >&2; exit 1; }
  as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U llmgw llmgw_test
  echo "postgres://llmgw@127.0.0.1:$port/llmgw_test" >"$dir/url"
  echo "pg_cluster: $(cat "$dir/url") (cluster in $cluster)"
}

stop() {
  [[ -f "$dir/cluster" ]] || { rm -rf "$dir"; return 0; }
  local cluster
  cluster="$(cat "$dir/cluster")"
  if [[ -n "$bin" && -d "$cluster/data" ]]; then
    as_owner "$bin/pg_ctl" -D "$cluster/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  case "$cluster" in
    */llmgw-pg.*) rm -rf "$cluster" ;;
  esac
  rm -rf "$dir"
}

halt() {
  as_owner "$bin/pg_ctl" -D "$(cat "$dir/cluster")/data" -m fast -w stop >/dev/null
}

resume() {
  start_server "$(cat "$dir/cluster")" "$(cat "$dir/port")" ||
    { cat "$(cat "$dir/cluster")/server.log" >&2; exit 1; }
}

case "$action" in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  resume) resume ;;
  *) usage ;;
esac
