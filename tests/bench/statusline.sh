#!/usr/bin/env bash
# Times `llmgw usage --statusline` and `--check` on a ledger of 100,000 requests over 30 days
# with three caps (target: under 20 ms). Usage: tests/bench/statusline.sh [path/to/llmgw]
# (default: build-bench/llmgw, a Release build). Needs sqlite3 and hyperfine.
set -euo pipefail
llmgw="${1:-$(dirname "$0")/../../build-bench/llmgw}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_CONFIG_HOME="$work/config" XDG_DATA_HOME="$work/data"
db="$work/llmgw.db"
"$llmgw" --db "$db" usage >/dev/null # creates and migrates the database
now="$(date +%s%3N)"
sqlite3 "$db" "
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 99999)
INSERT INTO requests (started_at_ms, agent, provider, served_model, cost_usd_pico, input_uncached_tokens,
                      output_tokens, key_name, project)
SELECT $now - (i * 30 * 86400000 / 100000),
       CASE i % 3 WHEN 0 THEN 'claude-code' WHEN 1 THEN 'codex' ELSE 'aider' END,
       'anthropic', 'claude-sonnet-4-5', 1000000000 + i, 1000, 100,
       CASE i % 5 WHEN 0 THEN 'ci' ELSE '' END, 'web' FROM n;
INSERT INTO spend_buckets (bucket, provider, agent, project, key_name, user_name, cost_usd_pico)
SELECT started_at_ms / 900000, provider, agent, project, key_name, user_name, SUM(cost_usd_pico) FROM requests
GROUP BY 1, 2, 3, 4, 5, 6;"
"$llmgw" --db "$db" cap set --day 50 >/dev/null
"$llmgw" --db "$db" cap set --month 500 --agent claude-code >/dev/null
"$llmgw" --db "$db" cap set --week 100 --key ci --force >/dev/null
"$llmgw" --db "$db" usage --statusline
hyperfine -N --warmup 3 --runs 30 "$llmgw --version" "$llmgw --db $db usage --statusline" "$llmgw --db $db usage --check"
