#!/usr/bin/env bash
# chaos.sh — metaorch's resilience scenarios (README "Guarantees"). Only local processes and
# files; bounded in time. Each scenario prints "PASS name" or "FAIL name: why"; the last line
# is "N passed, M failed" and the exit code is non-zero when M > 0.
#
#   ./chaos.sh              all scenarios
#   ./chaos.sh kill9 disk   only the named ones (kill9 sigterm parallel faulty disk corrupt overspend orphans double-resume
#                           store-worker-kill9 store-coordinator-kill9 store-connection-cut store-cap store-pg-restart)
set -u
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
scripts/metaorch --version >/dev/null || { echo "FAIL build: cannot build the jar"; echo "0 passed, 1 failed"; exit 1; }
JAR="$root/target/metaorch-0.1.0-SNAPSHOT-all.jar"
JAVA=(java -XX:-UsePerfData ${CHAOS_JAVA_OPTS:-} -jar "$JAR")
work="$(mktemp -d "${TMPDIR:-/tmp}/metaorch-chaos.XXXXXX")"
store_schemas=()
pg_dir=""  # store-pg-restart's private PostgreSQL cluster: stopped and removed on exit
trap 'jobs -p | xargs -r kill -9 2>/dev/null; for s in "${store_schemas[@]}"; do drop_schema "$s"; done; [ -n "$pg_dir" ] && pg_private_stop; rm -rf "$work"' EXIT
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }
want() { [ ${#selected[@]} -eq 0 ] && return 0; for w in "${selected[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
selected=("$@")
mo() { "${JAVA[@]}" "$@"; }

# --- python helpers: compare results, check a session log --------------------------------
cat > "$work/check.py" <<'PY'
import json, random, sys

VOLATILE = {"run_id", "started_at", "ended_at", "wall_seconds", "sessions_launched", "spend_total_usd", "projection",
            "ledger", "spend_nano_usd", "attempts", "savings"}

def stable(path):
    r = json.load(open(path))
    for k in VOLATILE:
        r.pop(k, None)
    for arm in r.get("arms", {}).values():
        for k in list(arm):
            if k.startswith("latency"):
                arm.pop(k)
    return r

def same_result(a, b):
    x, y = stable(a), stable(b)
    if x != y:
        diff = [k for k in set(x) | set(y) if x.get(k) != y.get(k)]
        print("results differ in: %s" % ", ".join(sorted(diff)))
        return 1
    return 0

def log_ok(run_dir):
    """Every line parses, the file ends with a newline, every decided pair's sessions appear
    exactly once as a final (non-cancelled) record."""
    data = open(run_dir + "/sessions.jsonl", "rb").read()
    if data and not data.endswith(b"\n"):
        print("torn last line remains"); return 1
    finals = {}
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            r = json.loads(line)
        except ValueError:
            print("line %d does not parse" % n); return 1
        if r["outcome"] != "cancelled":
            finals.setdefault(r["session_id"], []).append(r["attempt"])
    result = json.load(open(run_dir + "/result.json"))
    run_id = result["run_id"]
    for pair in range(result["pairs"] + len(result.get("outage_pairs", []))):
        for arm in ("control", "test"):
            sid = "%s/%s/%d" % (run_id, arm, pair)
            got = finals.get(sid, [])
            if len(got) != 1:
                print("session %s has %d final records" % (sid, len(got))); return 1
    return 0

def faulty(run_dir, expected_sessions):
    """Each attempt's outcome is the one its fault (drawn by the agent from seed/attempt) implies."""
    want = {"crash": ("error", "exited with code 1"), "hang": ("timeout", "killed"),
            "garbage": ("error", "malformed JSON"), "flood": ("error", "exceeded the cap")}
    rates = [("crash", .10), ("hang", .05), ("garbage", .05), ("flood", .01)]
    seen = {}
    retried = 0
    for n, line in enumerate(open(run_dir + "/sessions.jsonl"), 1):
        r = json.loads(line)
        u = random.Random("%s/%s" % (r["seed"], r["attempt"])).random()
        acc, fault = 0.0, "none"
        for name, p in rates:
            acc += p
            if u < acc:
                fault = name
                break
        if fault == "none":
            if r["outcome"] not in ("success", "failure", "rejected"):
                print("line %d: no fault drawn but outcome %s (%s)" % (n, r["outcome"], r.get("error"))); return 1
        else:
            outcome, text = want[fault]
            msg = (r.get("error") or {}).get("message", "")
            if r["outcome"] != outcome or text not in msg:
                print("line %d: fault %s expected %s/%r, got %s/%r" % (n, fault, outcome, text, r["outcome"], msg)); return 1
        if r["attempt"] > 1:
            retried += 1
        seen[r["session_id"]] = r
    if len(seen) != expected_sessions:
        print("%d sessions, expected %d" % (len(seen), expected_sessions)); return 1
    if retried == 0:
        print("no retry was logged"); return 1
    print("%d attempts, %d retries, %d sessions" % (sum(1 for _ in open(run_dir + "/sessions.jsonl")), retried, len(seen)))
    return 0

def nanos(x):
    from decimal import Decimal
    return int((Decimal(repr(x)) * 10**9).to_integral_value())

def ledger_ok(run_dir, tracker_path=""):
    """result.json's spend and attempts are the log's, to the nano-dollar (and the tracker's final line too)."""
    recs = [json.loads(l) for l in open(run_dir + "/sessions.jsonl")]
    spend = sum(nanos(r["cost_usd"]) for r in recs)
    result = json.load(open(run_dir + "/result.json"))
    said = result.get("spend_nano_usd")
    if said != spend:
        print("result.json says %s nano-USD, the log sums to %d" % (said, spend)); return 1
    attempts = result.get("ledger", {}).get("attempts")
    if attempts != len(recs):
        print("result.json says %s attempts, the log has %d" % (attempts, len(recs))); return 1
    if tracker_path:
        final = [json.loads(l) for l in open(tracker_path) if json.loads(l)["run_id"] == result["run_id"]][-1]
        if final.get("spend_nano_usd") != spend:
            print("tracker says %s nano-USD, the log sums to %d" % (final.get("spend_nano_usd"), spend)); return 1
    return 0

def within_cap(run_dir, cap_nanos):
    """Spend (the log's sum) stays within the cap plus the dearest attempt's cost."""
    recs = [json.loads(l) for l in open(run_dir + "/sessions.jsonl")]
    spend = sum(nanos(r["cost_usd"]) for r in recs)
    dearest = max(nanos(r["cost_usd"]) for r in recs)
    if spend > cap_nanos + dearest:
        print("spent %d nano-USD against a cap of %d (dearest attempt %d)" % (spend, cap_nanos, dearest)); return 1
    print("$%.6f of $%.2f, dearest attempt $%.6f" % (spend / 1e9, cap_nanos / 1e9, dearest / 1e9))
    return 0

def tracker(path, runs):
    lines = [json.loads(l) for l in open(path)]
    final = {}
    for l in lines:
        final[l["run_id"]] = l["status"]
    if len(lines) != 2 * runs or len(final) != runs or any(s == "running" for s in final.values()):
        print("tracker: %d lines, statuses %s" % (len(lines), final)); return 1
    return 0

def no_dup_attempts(run_dir):
    """No attempt was bought twice: each (session_id, attempt) appears once in the log."""
    seen = {}
    for line in open(run_dir + "/sessions.jsonl"):
        r = json.loads(line)
        key = (r["session_id"], r["attempt"])
        seen[key] = seen.get(key, 0) + 1
    dups = [k for k, n in seen.items() if n > 1]
    if dups:
        print("%d attempts recorded twice, e.g. %s attempt %d" % (len(dups), dups[0][0], dups[0][1])); return 1
    return 0

def hashes(path, *texts):
    import hashlib
    d = json.load(open(path))
    missing = [t for t in texts if hashlib.md5(t.encode()).hexdigest() not in d]
    if missing:
        print("missing hashes for %s" % missing); return 1
    return 0

if __name__ == "__main__":
    sys.exit(globals()[sys.argv[1]](*[int(a) if a.isdigit() else a for a in sys.argv[2:]]))
PY
check() { python3 "$work/check.py" "$@"; }
lines_in() { [ -f "$1" ] && wc -l < "$1" || echo 0; }

AB=(run-experiment --control configs/baseline.json --test configs/exp_042.json --quiet --json)
LATENCY=(--set params.real_latency=true --set params.latency_scale=0.02)

# --- 1. kill -9 and resume ---------------------------------------------------------------
if want kill9; then
  r="$work/kill9"
  mo "${AB[@]}" "${LATENCY[@]}" --results "$r" --run-id golden --seed 21 --concurrency 16 > "$r.golden.json" 2>/dev/null
  RANDOM=42
  kills=0
  why=""
  # background the JVM itself (not a function or subshell), so $! is the process the signals must reach
  "${JAVA[@]}" "${AB[@]}" "${LATENCY[@]}" --results "$r" --run-id victim --seed 21 --concurrency 16 > /dev/null 2>&1 &
  pid=$!
  rounds=0
  while [ $kills -lt 10 ] && [ $rounds -lt 40 ]; do
    rounds=$((rounds + 1))
    sleep "$(printf '0.%02d' $((30 + RANDOM % 60)))"
    kill -9 "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    [ -f "$r/runs/victim/result.json" ] && break
    if [ -f "$r/runs/victim/run.json" ]; then
      "${JAVA[@]}" run-experiment --resume victim --results "$r" --quiet --json > /dev/null 2>&1 &
    else
      # killed before the run was created: nothing was recorded, start it again
      rm -rf "$r/runs/victim"
      "${JAVA[@]}" "${AB[@]}" "${LATENCY[@]}" --results "$r" --run-id victim --seed 21 --concurrency 16 > /dev/null 2>&1 &
    fi
    pid=$!
  done
  wait "$pid" 2>/dev/null
  mo run-experiment --resume victim --results "$r" --quiet --json > "$r.victim.json" 2>"$r.err" || why="final resume failed: $(tail -1 "$r.err")"
  if [ -z "$why" ]; then
    out=$(check log_ok "$r/runs/victim") || why="$out"
  fi
  if [ -z "$why" ]; then
    out=$(check same_result "$r/runs/golden/result.json" "$r/runs/victim/result.json") || why="$out"
  fi
  if [ -z "$why" ]; then
    out=$(check ledger_ok "$r/runs/victim" "$r/experiments.jsonl") || why="$out"
  fi
  [ -z "$why" ] && pass "kill9-resume ($kills kills, $(lines_in "$r/runs/victim/sessions.jsonl") log lines, decision $(python3 -c "import json;print(json.load(open('$r/runs/victim/result.json'))['decision'])"))" || fail kill9-resume "$why"
fi

# --- 2. SIGTERM: graceful stop, documented exit code 143, resumable ----------------------
if want sigterm; then
  r="$work/sigterm"
  why=""
  mo "${AB[@]}" "${LATENCY[@]}" --results "$r" --run-id golden --seed 22 --concurrency 16 > /dev/null 2>&1
  "${JAVA[@]}" "${AB[@]}" "${LATENCY[@]}" --results "$r" --run-id term --seed 22 --concurrency 16 > /dev/null 2>"$r.err" &
  pid=$!
  for _ in $(seq 1 300); do [ "$(lines_in "$r/runs/term/sessions.jsonl")" -ge 20 ] && break; sleep 0.05; done
  kill -TERM "$pid"
  wait "$pid"
  code=$?
  [ "$code" = 143 ] || why="exit code $code, expected 143"
  [ -z "$why" ] && ! grep -q '"outcome":"cancelled"' "$r/runs/term/sessions.jsonl" && why="no cancelled session logged"
  [ -z "$why" ] && ! tail -1 "$r/experiments.jsonl" | grep -q '"status":"aborted"' && why="tracker does not say aborted"
  [ -z "$why" ] && ! grep -q "resume with" "$r.err" && why="no resume hint on stderr"
  if [ -z "$why" ]; then
    mo run-experiment --resume term --results "$r" --quiet --json > /dev/null 2>&1 || why="resume failed"
  fi
  if [ -z "$why" ]; then
    out=$(check same_result "$r/runs/golden/result.json" "$r/runs/term/result.json") || why="$out"
  fi
  if [ -z "$why" ]; then
    out=$(check ledger_ok "$r/runs/term" "$r/experiments.jsonl") || why="$out"
  fi
  [ -z "$why" ] && pass "sigterm (exit 143, in-flight sessions logged as cancelled and paid, resumed to the same result)" || fail sigterm "$why"
fi

# --- 3. parallel experiments sharing results/ --------------------------------------------
if want parallel; then
  r="$work/parallel"
  why=""
  pids=()
  for i in 1 2 3 4; do
    "${JAVA[@]}" "${AB[@]}" --set params.real_latency=true --set params.latency_scale=0.005 --results "$r" --run-id "p$i" \
      --seed "$((30 + i))" > /dev/null 2>"$r.$i.err" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || why="a run failed: $(cat "$r".*.err | tail -2)"; done
  if [ -z "$why" ]; then
    out=$(check tracker "$r/experiments.jsonl" 4) || why="$out"
  fi
  if [ -z "$why" ]; then
    out=$(check hashes "$r/hashes.dict" "Always double-check the basket before checkout" "Verify stock before buying" \
      "Check coupon limits first" "Reject impossible requests early") || why="$out"
  fi
  [ -z "$why" ] && pass "parallel-experiments (4 runs, 8 tracker lines, every hash present)" || fail parallel-experiments "$why"
fi

# --- 4. faulty agents under load ----------------------------------------------------------
if want faulty; then
  r="$work/faulty"
  mkdir -p "$r"
  why=""
  cat > "$r/faulty.json" <<EOF
{ "schema_version": 1, "experiment_id": "faulty", "parent": "$root/configs/process/example-agent.json",
  "params": { "command": ["python3", "-S", "$root/scripts/example_agent.py"], "flood_mb": 20, "output_cap_bytes": 1000000,
              "fault_rates": { "crash": 0.10, "hang": 0.05, "garbage": 0.05, "flood": 0.01 } },
  "run": { "timeout_s": 8, "retries": 2 } }
EOF
  start=$(date +%s)
  /usr/bin/time -f "%M" -o "$r/rss" env CHAOS=1 java -XX:-UsePerfData -Xmx256m -jar "$JAR" run --variants "$r/faulty.json" \
    --sessions 900 --concurrency 64 --results "$r" --run-id faulty --quiet --json > "$r/out.json" 2>"$r/err" \
    || why="run failed: $(tail -2 "$r/err")"
  secs=$(( $(date +%s) - start ))
  if [ -z "$why" ]; then
    out=$(check faulty "$r/runs/faulty" 900) && summary="$out" || why="$out"
  fi
  rss_mb=$(( $(cat "$r/rss" 2>/dev/null || echo 0) / 1024 ))
  [ -z "$why" ] && [ "$rss_mb" -gt 700 ] && why="peak RSS $rss_mb MB"
  [ -z "$why" ] && pass "faulty-agents ($summary, ${secs}s, peak RSS ${rss_mb} MB)" || fail faulty-agents "$why"
fi

# --- 5. disk full (file size limit) -------------------------------------------------------
if want disk; then
  r="$work/disk"
  why=""
  mo "${AB[@]}" --method fixed --results "$r" --run-id golden --seed 23 > /dev/null 2>&1
  ( ulimit -f 60; exec "${JAVA[@]}" "${AB[@]}" --method fixed --results "$r" --run-id full --seed 23 ) > /dev/null 2>"$r.err"
  code=$?
  [ "$code" = 1 ] || why="exit code $code, expected 1"
  [ -z "$why" ] && ! grep -q "File too large" "$r.err" && why="no clear error: $(tail -1 "$r.err")"
  [ -z "$why" ] && grep -qE '^\s+at [a-z]|Exception in thread|\.java:[0-9]+\)' "$r.err" && why="stack trace on stderr"
  if [ -z "$why" ]; then
    mo run-experiment --resume full --results "$r" --quiet --json > /dev/null 2>"$r.resume.err" || why="resume failed: $(tail -1 "$r.resume.err")"
  fi
  [ -z "$why" ] && ! grep -q "torn last line" "$r.resume.err" && why="resume did not report the torn tail"
  if [ -z "$why" ]; then
    out=$(check log_ok "$r/runs/full") || why="$out"
  fi
  if [ -z "$why" ]; then
    out=$(check same_result "$r/runs/golden/result.json" "$r/runs/full/result.json") || why="$out"
  fi
  [ -z "$why" ] && pass "disk-full (exit 1 with 'File too large', torn tail repaired, resumed to the same result)" || fail disk-full "$why"
fi

# --- 7. overspend: the cap holds at concurrency 512 ---------------------------------------
if want overspend; then
  r="$work/overspend"
  why=""
  mo run --variants baseline,exp_042 --sessions 5000 --max-cost 0.5 --force --concurrency 512 --results "$r" \
    --run-id hub --quiet --json > /dev/null 2>"$r.hub.err" || why="hub failed: $(tail -1 "$r.hub.err")"
  [ -z "$why" ] && { hub=$(check within_cap "$r/runs/hub" 500000000) || why="hub: $hub"; }
  [ -z "$why" ] && { out=$(check ledger_ok "$r/runs/hub") || why="hub: $out"; }
  if [ -z "$why" ]; then
    mo run-experiment --control configs/hub/thorough.json --test configs/exp_042.json --max-cost 0.3 --force \
      --concurrency 512 --results "$r" --run-id ab --quiet --json > /dev/null 2>"$r.ab.err" || why="run-experiment failed: $(tail -1 "$r.ab.err")"
  fi
  [ -z "$why" ] && { ab=$(check within_cap "$r/runs/ab" 300000000) || why="run-experiment: $ab"; }
  [ -z "$why" ] && { out=$(check ledger_ok "$r/runs/ab" "$r/experiments.jsonl") || why="run-experiment: $out"; }
  [ -z "$why" ] && pass "overspend (concurrency 512: hub $hub; run-experiment $ab)" || fail overspend "$why"
fi

# --- 6. corrupted logs --------------------------------------------------------------------
if want corrupt; then
  r="$work/corrupt"
  why=""
  for c in torn nul middle glued; do
    mo "${AB[@]}" --results "$r" --run-id "$c" --seed 24 > /dev/null 2>&1
    cp "$r/runs/$c/result.json" "$r/$c.before.json"
    rm "$r/runs/$c/result.json"
  done
  log() { echo "$r/runs/$1/sessions.jsonl"; }
  printf '{"schema":1,"session_id":"torn/control/9' >> "$(log torn)"
  head -c 4096 /dev/zero >> "$(log nul)"
  python3 - "$(log middle)" "$(log glued)" <<'PY'
import sys
m = open(sys.argv[1]).read().split("\n")
m.insert(10, '{"schema":1,"session_id":garbage')
open(sys.argv[1], "w").write("\n".join(m))
g = open(sys.argv[2]).read().split("\n")
g[5] = g[5] + g[6]
del g[6]
open(sys.argv[2], "w").write("\n".join(g))
PY
  for c in torn nul; do
    mo run-experiment --resume "$c" --results "$r" --quiet --json > /dev/null 2>"$r/$c.err" || why="$c: resume failed"
    [ -z "$why" ] && ! grep -q "torn last line" "$r/$c.err" && why="$c: tail not repaired/reported"
    [ -z "$why" ] && { out=$(check same_result "$r/$c.before.json" "$r/runs/$c/result.json") || why="$c: $out"; }
  done
  if [ -z "$why" ]; then
    mo run-experiment --resume middle --results "$r" --quiet --json > /dev/null 2>"$r/middle.err"
    code=$?
    [ "$code" = 2 ] || why="middle: exit $code, expected 2 (refuse)"
    [ -z "$why" ] && ! grep -qE "sessions.jsonl: line 11 \(byte [0-9]+\): not a session record" "$r/middle.err" && why="middle: not reported with line and byte: $(head -1 "$r/middle.err")"
    sed -i '11d' "$(log middle)"
    [ -z "$why" ] && { mo run-experiment --resume middle --results "$r" --quiet --json > /dev/null 2>&1 || why="middle: resume after removing the line failed"; }
    [ -z "$why" ] && { out=$(check same_result "$r/middle.before.json" "$r/runs/middle/result.json") || why="middle: $out"; }
  fi
  if [ -z "$why" ]; then
    mo run-experiment --resume glued --results "$r" --quiet --json > /dev/null 2>"$r/glued.err" || why="glued: resume failed"
    [ -z "$why" ] && ! grep -qE "line 6 \(byte [0-9]+\): 2 records glued" "$r/glued.err" && why="glued: not reported"
    [ -z "$why" ] && { out=$(check same_result "$r/glued.before.json" "$r/runs/glued/result.json") || why="glued: $out"; }
  fi
  [ -z "$why" ] && pass "corrupted-logs (torn and NUL tails repaired; middle line refused with line and byte; glued records read)" || fail corrupted-logs "$why"
fi

# --- 9. orphaned agents: SIGTERM and kill -9 of metaorch while process agents run ----------
# Each agent reports two paid calls at once (noting each in its "paid" file once reported),
# leaves behind a double-forked process that writes a marker after params.marker_delay_s unless
# it is killed, works for 1.5 s and exits. Any marker means an agent process outlived the
# session it served. SIGTERM: 3 s. kill -9: the reaper can only act once the resume has started
# (a JVM start, seconds on a loaded machine), so there the marker waits 10 s.
if want orphans; then
  r="$work/orphans"
  mkdir -p "$r/marks"
  why=""
  cat > "$r/agent.py" <<'PY'
import json, os, sys, time
start = json.loads(sys.stdin.readline())
marks = start["config"]["params"]["marker_dir"]
tag = "%s.a%d.%d" % (start["session_id"].replace("/", "_"), start["attempt"], os.getpid())
if os.fork() == 0:
    if os.fork() == 0:
        time.sleep(float(start["config"]["params"]["marker_delay_s"]))
        open(os.path.join(marks, "marker." + tag), "w").write("outlived its session\n")
    os._exit(0)
os.wait()
for n in range(2):
    sys.stdout.write(json.dumps({"type": "llm_call", "model": "gpt-4o-mini", "prompt_tokens": 1000,
                                 "completion_tokens": 100, "cached_prompt_tokens": 0}) + "\n")
    sys.stdout.flush()
    open(os.path.join(marks, "paid." + tag), "a").write("call\n")
time.sleep(1.5)
sys.stdout.write(json.dumps({"type": "result", "success": start["seed"] % 3 != 0}) + "\n")
PY
  for arm in control test; do
    cat > "$r/$arm.json" <<EOF
{ "schema_version": 1, "experiment_id": "orphan-$arm", "parent": "$root/configs/process/example-agent.json",
  "params": { "command": ["python3", "-S", "$r/agent.py"], "marker_dir": "$r/marks", "marker_delay_s": 3 },
  "run": { "timeout_s": 20, "retries": 1 } }
EOF
  done
  cat > "$work/orphans.py" <<'PY'
import glob, json, os, sys

def alive(run_id):
    """How many live processes serve a session of run_id (by METAORCH_SESSION_ID in their environment)."""
    needle = ("METAORCH_SESSION_ID=%s/" % run_id).encode()
    n = 0
    for d in glob.glob("/proc/[0-9]*"):
        try:
            if open(d + "/stat").read().rsplit(")", 1)[1].split()[0] in "ZX":
                continue
            if any(v.startswith(needle) for v in open(d + "/environ", "rb").read().split(b"\0")):
                n += 1
        except (OSError, IndexError):
            pass
    print(n)
    return 0

def paid(marks, run_dir, run_id):
    """No marker was written, and every call the run's agents paid for is in the session log."""
    markers = glob.glob(marks + "/marker.*")
    if markers:
        print("%d agent processes outlived their session (%s)" % (len(markers), os.path.basename(markers[0]))); return 1
    paid = sum(len(open(f).readlines()) for f in glob.glob(marks + "/paid.%s_*" % run_id))
    recs = [json.loads(l) for l in open(run_dir + "/sessions.jsonl")]
    logged = sum(r["llm_calls"] for r in recs)
    if paid != logged or paid == 0:
        print("agents paid for %d calls, the log holds %d" % (paid, logged)); return 1
    print("%d paid calls in %d attempts, %d reaped" % (paid, len(recs),
          sum(1 for r in recs if (r.get("error") or {}).get("type") == "orphaned")))
    return 0

if __name__ == "__main__":
    sys.exit(globals()[sys.argv[1]](*[int(a) if a.isdigit() else a for a in sys.argv[2:]]))
PY
  orphans() { python3 "$work/orphans.py" "$@"; }
  # agents.inflight lists 8 agents and each has reported its two calls (none is mid-report); in
  # shell, not python, so that the kill follows within milliseconds
  reported() { [ -f "$1/agents.inflight" ] && [ "$(grep -c . "$1/agents.inflight" 2>/dev/null)" = 8 ] \
    && [ "$(grep -c '"llm_calls":2,' "$1/agents.inflight" 2>/dev/null)" = 8 ]; }
  # 8 sessions start at once; the kills come once all 8 have reported (the next starts 1.5 s later)
  ORPH=(run-experiment --control "$r/control.json" --test "$r/test.json" --max-sessions 16 --concurrency 8 --seed 5
        --quiet --json --results "$r")
  # a) SIGTERM once the agents have reported: exit 143, every agent killed, their calls logged
  "${JAVA[@]}" "${ORPH[@]}" --run-id term > /dev/null 2>"$r/term.err" &
  pid=$!
  for _ in $(seq 1 1000); do reported "$r/runs/term" && break; sleep 0.02; done
  reported "$r/runs/term" || why="term: the agents never reported their calls: $(tail -1 "$r/term.err")"
  kill -TERM "$pid"
  wait "$pid"
  code=$?
  t_term=$(date +%s.%N)
  [ -z "$why" ] && [ "$code" != 143 ] && why="term: exit code $code, expected 143"
  [ -z "$why" ] && [ "$(orphans alive term)" != 0 ] && why="term: $(orphans alive term) agent processes alive after metaorch exited"
  # b) kill -9 once the agents have reported, then resume at once: the reaper kills the survivors
  #    before anything is relaunched and logs what they had paid for
  survivors=0
  if [ -z "$why" ]; then
    "${JAVA[@]}" "${ORPH[@]}" --run-id nine --set params.marker_delay_s=10 > /dev/null 2>"$r/nine.err" &
    pid=$!
    for _ in $(seq 1 1000); do reported "$r/runs/nine" && break; sleep 0.02; done
    reported "$r/runs/nine" || why="nine: the agents never reported their calls: $(tail -1 "$r/nine.err")"
    kill -9 "$pid"
    wait "$pid" 2>/dev/null
    t_nine=$(date +%s.%N)
    survivors=$(orphans alive nine)
    [ -z "$why" ] && [ "$survivors" = 0 ] && why="nine: no agent survived the kill -9, nothing to reap"
  fi
  if [ -z "$why" ]; then
    mo run-experiment --resume nine --results "$r" --quiet --json > /dev/null 2>"$r/resume.err" \
      || why="nine: resume failed: $(tail -1 "$r/resume.err")"
  fi
  [ -z "$why" ] && ! grep -q "reaped" "$r/resume.err" && why="nine: the resume did not say it reaped: $(head -3 "$r/resume.err")"
  [ -z "$why" ] && [ "$(orphans alive nine)" != 0 ] && why="nine: agent processes alive after the resume"
  if [ -z "$why" ]; then
    out=$(check log_ok "$r/runs/nine") || why="nine: $out"
  fi
  # markers are due 3 s (10 s) after their agent started, which was before the kill: look after that
  sleep "$(python3 -c "import time; print(max(0.0, max($t_term + 3.5, ${t_nine:-0} + 10.5) - time.time()))")"
  if [ -z "$why" ]; then
    out=$(orphans paid "$r/marks" "$r/runs/term" term) && term_summary="$out" || why="term: $out"
  fi
  if [ -z "$why" ]; then
    out=$(orphans paid "$r/marks" "$r/runs/nine" nine) || why="nine: $out"
  fi
  [ -z "$why" ] && pass "orphaned-agents (SIGTERM: exit 143, no agent alive, $term_summary; kill -9: $survivors survivor processes reaped by the resume, no marker, $out)" || fail orphaned-agents "$why"
fi

# --- 8. double resume: after a kill -9, two resumes at once; one owner, nothing bought twice ---
if want double-resume; then
  r="$work/double"
  why=""
  "${JAVA[@]}" "${AB[@]}" "${LATENCY[@]}" --results "$r" --run-id victim --seed 25 --concurrency 4 > /dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do [ "$(lines_in "$r/runs/victim/sessions.jsonl")" -ge 20 ] && break; sleep 0.05; done
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  [ -f "$r/runs/victim/result.json" ] && why="the run finished before the kill"
  if [ -z "$why" ]; then
    "${JAVA[@]}" run-experiment --resume victim --results "$r" --quiet --json > "$r.a.out" 2>"$r.a.err" &
    a=$!
    "${JAVA[@]}" run-experiment --resume victim --results "$r" --quiet --json > "$r.b.out" 2>"$r.b.err" &
    b=$!
    wait "$a"; ca=$?
    wait "$b"; cb=$?
    codes="$(printf '%s\n' "$ca" "$cb" | sort -n | tr '\n' ' ')"
    [ "$codes" = "0 2 " ] || why="exit codes $ca and $cb, expected one 0 and one 2: $(tail -1 "$r.a.err") / $(tail -1 "$r.b.err")"
  fi
  if [ -z "$why" ]; then
    refused="$r.a.err"; [ "$ca" = 2 ] || refused="$r.b.err"
    grep -qE "run victim is in use by pid [0-9]+ on host [^ ]+ since [0-9T:.-]+Z \(run-experiment --resume\)" "$refused" \
      || why="the refusal does not name the holder: $(head -1 "$refused")"
  fi
  if [ -z "$why" ]; then
    out=$(check no_dup_attempts "$r/runs/victim") || why="$out"
  fi
  if [ -z "$why" ]; then
    out=$(check log_ok "$r/runs/victim") || why="$out"
  fi
  [ -z "$why" ] && pass "double-resume (one resume ran, the other exited 2 naming the holder; $(lines_in "$r/runs/victim/sessions.jsonl") log lines, no attempt twice)" || fail double-resume "$why"
fi

# --- 10-13. team store (PostgreSQL): workers and coordinators killed, connections cut, a cap ---
# METAORCH_TEST_STORE (default postgresql://127.0.0.1:5432/test, as the tests) names the server;
# each scenario works in a schema of its own (chaos_<name>_<pid>) and drops it at the end. Without
# a reachable server they SKIP, except in CI (CI=true), where they FAIL.
STORE_BASE="${METAORCH_TEST_STORE:-postgresql://127.0.0.1:5432/test}"
STORE_BASE="${STORE_BASE%%\?*}"
sql() { psql "$STORE_BASE" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }
store_url() { echo "$STORE_BASE?schema=$1"; }
# the one place that migrates a schema
migrate_store() {
  mo store migrate --store "$1" > /dev/null
}
# new_schema SCHEMA: a fresh, migrated schema (dropped on exit if the scenario could not)
new_schema() {
  store_schemas+=("$1")
  sql "drop schema if exists $1 cascade" > /dev/null 2>&1
  migrate_store "$(store_url "$1")"
}
drop_schema() { sql "drop schema if exists $1 cascade" > /dev/null 2>&1; }
store_ready() {
  if ! command -v psql > /dev/null || ! sql "select 1" > /dev/null 2>&1; then
    if [ "${CI:-}" = true ]; then fail "$1" "PostgreSQL unreachable at $STORE_BASE (CI=true: store scenarios must run)"
    else echo "SKIP $1: PostgreSQL unreachable at $STORE_BASE"; fi
    return 1
  fi
}
# wait_until SECONDS CMD...: polls CMD every 50 ms until it succeeds; fails after SECONDS
wait_until() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -ge $end ] && return 1; sleep 0.05; done
}
at_least() { [ "$(sql "$1" 2>/dev/null || echo 0)" -ge "$2" ] 2>/dev/null; }
# start_workers SCHEMA N CONCURRENCY LEASE_S DIR: N `metaorch worker`s in the background; their pids in $workers
start_workers() {
  workers=()
  local i
  for i in $(seq 1 "$2"); do
    "${JAVA[@]}" worker --store "$(store_url "$1")" --concurrency "$3" --lease-s "$4" --results "$5/w$i" > "$5/w$i.log" 2>&1 &
    workers+=($!)
  done
}
stop_workers() { local p; for p in "${workers[@]}"; do kill -TERM "$p" 2>/dev/null; done; for p in "${workers[@]}"; do wait "$p" 2>/dev/null; done; workers=(); }

cat > "$work/store.py" <<'PY'
import glob, json, os, subprocess, sys
from decimal import Decimal

BASE = os.environ["STORE_BASE"]

def sql(q):
    out = subprocess.run(["psql", BASE, "-XAtq", "-v", "ON_ERROR_STOP=1", "-F", "\t", "-c", q],
                         check=True, capture_output=True, text=True).stdout
    return [l.split("\t") for l in out.splitlines() if l]

def nanos(x):
    return int((Decimal(repr(x)) * 10**9).to_integral_value())

def claimed_once(schema, run_id):
    """No attempt key was handed out twice."""
    n, most = sql("select count(*), coalesce(max(claims), 0) from %s.attempts where run_id = '%s'" % (schema, run_id))[0]
    if int(most) > 1:
        twice = sql("select arm, pair, attempt, claims from %s.attempts where run_id = '%s' and claims > 1 limit 1" % (schema, run_id))
        print("an attempt was claimed %s times: %s" % (most, twice[0])); return 1
    print("%s attempts, none claimed twice" % n)
    return 0

def log_is_store(schema, run_id, run_dir):
    """The local sessions.jsonl holds exactly the store's records (same lines; count and cost sum agree), and
    result.json's spend is theirs: nothing lost, nothing counted twice."""
    local = [l.rstrip("\n") for l in open(run_dir + "/sessions.jsonl")]
    rows = sql("select record from %s.records where run_id = '%s' order by id" % (schema, run_id))
    count, total = sql("select count(*), coalesce(sum(cost_nano_usd), 0) from %s.records where run_id = '%s'" % (schema, run_id))[0]
    stored = [r[0] for r in rows]
    spend = sum(nanos(json.loads(l)["cost_usd"]) for l in local)
    if len(local) != int(count) or spend != int(total):
        print("local log: %d records, %d nano-USD; store: %s records, %s nano-USD" % (len(local), spend, count, total)); return 1
    if sorted(local) != sorted(stored):
        print("local log and store hold different records"); return 1
    said = json.load(open(run_dir + "/result.json")).get("spend_nano_usd")
    if said != spend:
        print("result.json says %s nano-USD, the records sum to %d" % (said, spend)); return 1
    print("%d records, $%.6f, in both" % (len(local), spend / 1e9))
    return 0

def prefix_in_store(schema, run_id, run_dir):
    """Every line of an abandoned local log is a record of the store."""
    stored = set(r[0] for r in sql("select record from %s.records where run_id = '%s'" % (schema, run_id)))
    missing = [l for l in open(run_dir + "/sessions.jsonl") if l.rstrip("\n") not in stored]
    if missing:
        print("%d lines of %s are not in the store" % (len(missing), run_dir)); return 1
    return 0

def lost(schema, run_id, pid, run_dir):
    """The killed worker's attempts are recorded lost, no other worker lost any, and each is consistent
    (lost_consistent: one lost record, issued again, counted by result.json's ledger); prints how many."""
    workers = [r[0] for r in sql("select worker from %s.attempts where run_id = '%s' and state = 'lost'"
                                 % (schema, run_id))]
    if not workers:
        print("no attempt was recorded lost"); return 1
    others = [w for w in workers if w.split(":")[-2] != str(pid)]
    if others:
        print("attempts of a live worker were recorded lost: %s" % others[0]); return 1
    return lost_consistent(schema, run_id, run_dir)

def lost_consistent(schema, run_id, run_dir):
    """Whatever was recorded lost (a lease that expired while the server was away) is a lost attempt with one
    lost record, issued again under the next attempt number, and counted by result.json's ledger; prints how many."""
    recs = sql("select arm, pair, repeat, attempt from %s.records where run_id = '%s' and outcome = 'cancelled' "
               "and (record::jsonb)->'error'->>'type' = 'lost'" % (schema, run_id))
    atts = sql("select arm, pair, repeat, attempt from %s.attempts where run_id = '%s' and state = 'lost'" % (schema, run_id))
    if sorted(recs) != sorted(atts):
        print("%d lost records, %d lost attempts" % (len(recs), len(atts))); return 1
    keys = set(tuple(a) for a in sql("select arm, pair, repeat, attempt from %s.attempts where run_id = '%s'"
                                      % (schema, run_id)))
    missing = [r for r in recs if (r[0], r[1], r[2], str(int(r[3]) + 1)) not in keys]
    if missing:
        print("lost attempt %s was not issued again" % "/".join(missing[0])); return 1
    said = json.load(open(run_dir + "/result.json")).get("ledger", {}).get("lost_attempts")
    if said != len(recs):
        print("result.json's ledger says %s lost, the store %d" % (said, len(recs))); return 1
    print(len(recs))
    return 0

def within_cap(schema, run_id, cap_nanos):
    """Spend (the store's records) stays within the cap plus the dearest attempt."""
    n, spend, dearest = sql("select count(*), coalesce(sum(cost_nano_usd), 0), coalesce(max(cost_nano_usd), 0) "
                            "from %s.records where run_id = '%s'" % (schema, run_id))[0]
    spend, dearest = int(spend), int(dearest)
    if spend > cap_nanos + dearest:
        print("spent %d nano-USD against a cap of %d (dearest attempt %d)" % (spend, cap_nanos, dearest)); return 1
    print("%s attempts, $%.6f of $%.2f, dearest attempt $%.6f" % (n, spend / 1e9, cap_nanos / 1e9, dearest / 1e9))
    return 0

def ports(*pids):
    """The local ports of the TCP connections the given processes hold (to find their backends)."""
    inodes = set()
    for pid in pids:
        for fd in glob.glob("/proc/%s/fd/*" % pid):
            try:
                t = os.readlink(fd)
            except OSError:
                continue
            if t.startswith("socket:["):
                inodes.add(t[8:-1])
    found = []
    for f in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            for line in open(f).readlines()[1:]:
                cols = line.split()
                if cols[9] in inodes:
                    found.append(str(int(cols[1].split(":")[1], 16)))
        except OSError:
            pass
    print(",".join(found) or "0")
    return 0

if __name__ == "__main__":
    sys.exit(globals()[sys.argv[1]](*[int(a) if a.isdigit() else a for a in sys.argv[2:]]))
PY
store() { STORE_BASE="$STORE_BASE" python3 "$work/store.py" "$@"; }
# the undisturbed run every store scenario compares with: local (JSONL), same seed and configs, started in
# the background by the first scenario that needs it
STORE_AB=(run-experiment --control configs/baseline.json --test configs/exp_042.json --quiet
          --set params.real_latency=true --set params.latency_scale=0.1 --seed 42)
store_golden_pid=""
store_golden="$work/store-golden/runs/golden/result.json"
golden_start() {
  [ -n "$store_golden_pid" ] && return
  "${JAVA[@]}" "${STORE_AB[@]}" --json --concurrency 64 --results "$work/store-golden" --run-id golden > /dev/null 2>"$work/store-golden.err" &
  store_golden_pid=$!
}
golden_wait() { wait "$store_golden_pid" 2>/dev/null; [ -f "$store_golden" ] || { echo "the undisturbed run failed: $(tail -1 "$work/store-golden.err")"; return 1; }; }
decision_of() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%s, %d pairs, LLR %.4f' % (r['decision'], r['pairs'], r['llr']))" "$1"; }

# --- 10. store: kill -9 of a worker mid-session -------------------------------------------
# Two workers (8 sessions each, lease 2 s) run a coordinated run whose sessions really sleep
# (about 1.4 s each); once worker 1 holds 4 claimed attempts it is killed. Its attempts must be
# recorded lost when their leases expire and issued again, the run must reach the undisturbed
# run's result, and no attempt may be handed out twice.
if want store-worker-kill9 && store_ready store-worker-kill9; then
  s="chaos_w9_$$"
  r="$work/store-w9"
  mkdir -p "$r"
  why=""
  golden_start
  new_schema "$s" || why="cannot migrate $(store_url "$s")"
  if [ -z "$why" ]; then
    start_workers "$s" 2 8 2 "$r"
    victim=${workers[0]}
    "${JAVA[@]}" "${STORE_AB[@]}" --concurrency 16 --store "$(store_url "$s")" --local-workers 0 --results "$r" \
      --run-id victim > "$r/out" 2>"$r/err" &
    coord=$!
    held="select count(*) from $s.attempts a join $s.workers w on w.worker_id = a.worker
          where w.pid = $victim and a.state = 'claimed'"
    wait_until 60 at_least "$held" 4 || why="worker 1 never held 4 attempts: $(tail -1 "$r/err")"
    kill -9 "$victim"
    wait "$victim" 2>/dev/null
    workers=("${workers[@]:1}")
    wait "$coord" || why="${why:-the run failed: $(tail -1 "$r/err")}"
  fi
  [ -z "$why" ] && { out=$(golden_wait) || why="$out"; }
  [ -z "$why" ] && { out=$(check same_result "$store_golden" "$r/runs/victim/result.json") || why="$out"; }
  [ -z "$why" ] && { lost=$(store lost "$s" victim "$victim" "$r/runs/victim") || why="$lost"; }
  [ -z "$why" ] && ! grep -q "of which $lost lost" "$r/out" && why="the summary does not say 'of which $lost lost': $(grep spend "$r/out")"
  [ -z "$why" ] && { once=$(store claimed_once "$s" victim) || why="$once"; }
  [ -z "$why" ] && { out=$(store log_is_store "$s" victim "$r/runs/victim") || why="$out"; }
  stop_workers
  drop_schema "$s"
  [ -z "$why" ] && pass "store-worker-kill9 ($lost attempts of the killed worker recorded lost and issued again; $once; $(decision_of "$r/runs/victim/result.json") as undisturbed)" || fail store-worker-kill9 "$why"
fi

# --- 11. store: kill -9 of the coordinator, resumed by other processes ----------------------
# Two workers run on while the coordinator is killed once 12 records landed; a resume in the
# same results folder is killed again once it has queued 8 new attempts; a resume in an empty
# folder (rebuilt from the store) finishes the run. Same result as undisturbed, no attempt
# handed out twice, the new folder's log is the store's records, the abandoned one a part of them.
if want store-coordinator-kill9 && store_ready store-coordinator-kill9; then
  s="chaos_c9_$$"
  r="$work/store-c9"
  r2="$work/store-c9-elsewhere"
  mkdir -p "$r"
  why=""
  golden_start
  new_schema "$s" || why="cannot migrate $(store_url "$s")"
  if [ -z "$why" ]; then
    u="$(store_url "$s")"
    start_workers "$s" 2 8 3 "$r"
    "${JAVA[@]}" "${STORE_AB[@]}" --concurrency 16 --store "$u" --local-workers 0 --results "$r" --run-id victim > /dev/null 2>"$r/err1" &
    c=$!
    wait_until 60 at_least "select count(*) from $s.records" 12 || why="12 records never landed: $(tail -1 "$r/err1")"
    kill -9 "$c"
    wait "$c" 2>/dev/null
    [ -z "$why" ] && [ -f "$r/runs/victim/result.json" ] && why="the run finished before the first kill"
  fi
  if [ -z "$why" ]; then
    queued=$(sql "select count(*) from $s.attempts")
    "${JAVA[@]}" run-experiment --resume victim --store "$u" --local-workers 0 --results "$r" --quiet > /dev/null 2>"$r/err2" &
    c=$!
    wait_until 60 at_least "select count(*) from $s.attempts" $((queued + 8)) || why="the resume queued nothing new: $(tail -1 "$r/err2")"
    kill -9 "$c"
    wait "$c" 2>/dev/null
    [ -z "$why" ] && [ -f "$r/runs/victim/result.json" ] && why="the run finished before the second kill"
  fi
  if [ -z "$why" ]; then
    mo run-experiment --resume victim --store "$u" --local-workers 0 --results "$r2" --quiet --json > /dev/null 2>"$r/err3" \
      || why="the resume in an empty folder failed: $(tail -1 "$r/err3")"
  fi
  [ -z "$why" ] && ! grep -q "its folder was written from" "$r/err3" && why="the empty folder was not rebuilt from the store: $(head -2 "$r/err3")"
  [ -z "$why" ] && { out=$(golden_wait) || why="$out"; }
  [ -z "$why" ] && { out=$(check same_result "$store_golden" "$r2/runs/victim/result.json") || why="$out"; }
  [ -z "$why" ] && { once=$(store claimed_once "$s" victim) || why="$once"; }
  [ -z "$why" ] && { same=$(store log_is_store "$s" victim "$r2/runs/victim") || why="$same"; }
  [ -z "$why" ] && { out=$(store prefix_in_store "$s" victim "$r/runs/victim") || why="$out"; }
  [ -z "$why" ] && { out=$(check log_ok "$r2/runs/victim") || why="$out"; }
  stop_workers
  drop_schema "$s"
  [ -z "$why" ] && pass "store-coordinator-kill9 (killed twice, resumed in the same folder then in an empty one; $once; local log = store: $same; $(decision_of "$r2/runs/victim/result.json") as undisturbed)" || fail store-coordinator-kill9 "$why"
fi

# --- 12. store: connections cut mid-run ------------------------------------------------------
# Once 8, 20 and 35 records landed, every backend of this scenario's coordinator and workers is
# terminated (pg_terminate_backend, chosen by their client ports: other users of the server are
# left alone). Pools and listeners connect again; the run reaches the undisturbed result, its
# local log is the store's records and no attempt is handed out or counted twice.
if want store-connection-cut && store_ready store-connection-cut; then
  s="chaos_cut_$$"
  r="$work/store-cut"
  mkdir -p "$r"
  why=""
  golden_start
  new_schema "$s" || why="cannot migrate $(store_url "$s")"
  cut=0
  if [ -z "$why" ]; then
    start_workers "$s" 2 8 3 "$r"
    "${JAVA[@]}" "${STORE_AB[@]}" --json --concurrency 16 --store "$(store_url "$s")" --local-workers 0 --results "$r" \
      --run-id cut > /dev/null 2>"$r/err" &
    c=$!
    for at in 8 20 35; do
      wait_until 60 at_least "select count(*) from $s.records" "$at" || { why="$at records never landed: $(tail -1 "$r/err")"; break; }
      n=$(sql "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = 'metaorch'
               and pid <> pg_backend_pid() and client_port in ($(store ports "$c" "${workers[@]}"))")
      cut=$((cut + n))
    done
    wait "$c" || why="${why:-the run failed: $(tail -1 "$r/err")}"
  fi
  [ -z "$why" ] && [ "$cut" -lt 3 ] && why="only $cut backends were cut"
  [ -z "$why" ] && { out=$(golden_wait) || why="$out"; }
  [ -z "$why" ] && { out=$(check same_result "$store_golden" "$r/runs/cut/result.json") || why="$out"; }
  [ -z "$why" ] && { once=$(store claimed_once "$s" cut) || why="$once"; }
  [ -z "$why" ] && { same=$(store log_is_store "$s" cut "$r/runs/cut") || why="$same"; }
  [ -z "$why" ] && { out=$(check log_ok "$r/runs/cut") || why="$out"; }
  [ -z "$why" ] && { out=$(check ledger_ok "$r/runs/cut" "$r/experiments.jsonl") || why="$out"; }
  stop_workers
  drop_schema "$s"
  [ -z "$why" ] && pass "store-connection-cut ($cut backends cut in 3 rounds; $once; local log = store: $same; $(decision_of "$r/runs/cut/result.json") as undisturbed)" || fail store-connection-cut "$why"
fi

# --- 13. store: the cap holds with 4 workers x 16 sessions ---------------------------------
if want store-cap && store_ready store-cap; then
  s="chaos_cap_$$"
  r="$work/store-cap"
  mkdir -p "$r"
  why=""
  new_schema "$s" || why="cannot migrate $(store_url "$s")"
  if [ -z "$why" ]; then
    start_workers "$s" 4 16 5 "$r"
    mo run-experiment --control configs/baseline.json --test configs/exp_042.json --method fixed --max-cost 0.4 --force --concurrency 64 \
      --store "$(store_url "$s")" --local-workers 0 --results "$r" --run-id cap --quiet --json > "$r/out.json" 2>"$r/err" \
      || why="the run failed: $(tail -1 "$r/err")"
  fi
  [ -z "$why" ] && { cap=$(store within_cap "$s" cap 400000000) || why="$cap"; }
  [ -z "$why" ] && { out=$(store log_is_store "$s" cap "$r/runs/cap") || why="$out"; }
  [ -z "$why" ] && { once=$(store claimed_once "$s" cap) || why="$once"; }
  [ -z "$why" ] && busy=$(sql "select count(distinct worker) from $s.attempts where worker is not null")
  stop_workers
  drop_schema "$s"
  [ -z "$why" ] && pass "store-cap (4 workers x 16, $busy of them claimed: $cap; $once)" || fail store-cap "$why"
fi

# --- 14. store: the PostgreSQL server restarted mid-run ----------------------------------------
# The store lives on a private PostgreSQL 15 cluster (initdb in a temporary directory, on a free
# port, run as the postgres OS user when we are root; the shared server is never touched). Two
# workers (8 sessions each, lease 3 s) and a coordinator run the A/B; once 8 records landed the
# server is restarted with `pg_ctl restart -m fast` (backends told to go: 57P01), once 30 landed
# with `-m immediate` (a crash: no checkpoint, crash recovery at start, 57P03 while it runs).
# After each restart the coordinator must hold its run's advisory lock again and both workers
# must claim again; then the run must reach the undisturbed result, no attempt may be handed out
# twice, the local log must be the store's records and the ledger the log's, an attempt lost
# while the server was away must be recorded lost once and issued again, and no process may
# write more than 6 warning lines (a store that is away is said once, not at every retry).
# Without the binaries (or, as root, the postgres user) it SKIPs; under CI=true it FAILs. The
# cluster is stopped and removed at the end (and on exit); METAORCH_PG_BIN names other binaries.
PG_BIN="${METAORCH_PG_BIN:-/usr/lib/postgresql/15/bin}"
pg_as() { (cd "$pg_dir" && if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi); }
pg_ctl_() { pg_as "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" "$@"; }
pg_private_ready() {
  local why=""
  if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ] || [ ! -x "$PG_BIN/postgres" ]; then
    why="no PostgreSQL binaries (initdb, pg_ctl, postgres) in $PG_BIN (METAORCH_PG_BIN names another directory)"
  elif [ "$(id -u)" = 0 ] && { ! id postgres > /dev/null 2>&1 || ! command -v runuser > /dev/null; }; then
    why="running as root without a 'postgres' user (or runuser) to run a private PostgreSQL server as"
  elif ! command -v psql > /dev/null; then
    why="no psql"
  fi
  [ -z "$why" ] && return 0
  if [ "${CI:-}" = true ]; then fail "$1" "$why (CI=true: the scenario must run)"; else echo "SKIP $1: $why"; fi
  return 1
}
# pg_private_start: a fresh cluster in a new directory, started on a free port; sets pg_dir, pg_port, pg_base
pg_private_start() {
  pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/metaorch-chaos-pg.XXXXXX")" || { echo "cannot make a directory for the cluster"; return 1; }
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$pg_dir" && pg_as test -w "$pg_dir" \
      || { echo "the postgres user cannot write $pg_dir (a TMPDIR it cannot reach?)"; return 1; }
  fi
  pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  pg_base="postgresql://postgres@127.0.0.1:$pg_port/postgres"
  pg_as "$PG_BIN/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 --locale=C --no-sync > "$pg_dir/initdb.log" 2>&1 \
    || { echo "initdb failed: $(tail -1 "$pg_dir/initdb.log")"; return 1; }
  pg_ctl_ -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1" -w -t 30 start > /dev/null 2>&1 \
    || { echo "the private server did not start on port $pg_port: $(tail -1 "$pg_dir/server.log")"; return 1; }
}
pg_private_stop() { [ -d "$pg_dir/data" ] && pg_ctl_ -m immediate -w stop > /dev/null 2>&1; rm -rf "$pg_dir"; pg_dir=""; }
# on_pg CMD...: a store helper (sql, at_least, store, start_workers) against the private server
on_pg() { STORE_BASE="$pg_base" "$@"; }
if want store-pg-restart && pg_private_ready store-pg-restart; then
  s="chaos_pgr"
  r="$work/store-pgr"
  mkdir -p "$r"
  why=""
  golden_start
  pg_private_start > "$r/pg-start" 2>&1 || why="$(tail -1 "$r/pg-start")"
  [ -z "$why" ] && { migrate_store "$pg_base?schema=$s" || why="cannot migrate $pg_base?schema=$s"; }
  restarted=""
  if [ -z "$why" ]; then
    on_pg start_workers "$s" 2 8 3 "$r"
    "${JAVA[@]}" "${STORE_AB[@]}" --json --concurrency 16 --store "$pg_base?schema=$s" --local-workers 0 --results "$r" \
      --run-id restart > /dev/null 2>"$r/err" &
    c=$!
    for step in "8 fast" "30 immediate"; do
      read -r at mode <<< "$step"
      wait_until 60 on_pg at_least "select count(*) from $s.records" "$at" || { why="$at records never landed: $(tail -1 "$r/err")"; break; }
      [ -f "$r/runs/restart/result.json" ] && { why="the run finished before the -m $mode restart"; break; }
      n=$(on_pg sql "select count(*) from $s.records")
      pg_ctl_ -m "$mode" -w -t 30 restart > /dev/null 2>&1 || { why="pg_ctl restart -m $mode failed: $(tail -1 "$pg_dir/server.log")"; break; }
      since=$(on_pg sql "select now()")
      wait_until 20 on_pg at_least "select count(*) from pg_locks where locktype = 'advisory' and granted" 1 \
        || { why="the run's lock was not taken again after the -m $mode restart: $(tail -1 "$r/err")"; break; }
      wait_until 20 on_pg at_least "select count(distinct worker) from $s.attempts where claimed_at >= '$since'" 2 \
        || { why="the workers did not both claim again after the -m $mode restart: $(tail -1 "$r/w1.log") / $(tail -1 "$r/w2.log")"; break; }
      restarted="${restarted:+$restarted, }-m $mode at $n records"
    done
    [ -n "$why" ] && kill -9 "$c" 2>/dev/null
    wait "$c" || why="${why:-the run failed: $(tail -1 "$r/err")}"
  fi
  [ -z "$why" ] && ! grep -q "automatic recovery in progress" "$pg_dir/server.log" && why="the -m immediate restart did not recover from a crash"
  [ -z "$why" ] && for p in "${workers[@]}"; do kill -0 "$p" 2>/dev/null || why="a worker exited: $(tail -1 "$r"/w*.log | head -3)"; done
  [ -z "$why" ] && { out=$(golden_wait) || why="$out"; }
  [ -z "$why" ] && { out=$(check same_result "$store_golden" "$r/runs/restart/result.json") || why="$out"; }
  [ -z "$why" ] && { once=$(on_pg store claimed_once "$s" restart) || why="$once"; }
  [ -z "$why" ] && { lost=$(on_pg store lost_consistent "$s" restart "$r/runs/restart") || why="$lost"; }
  [ -z "$why" ] && { same=$(on_pg store log_is_store "$s" restart "$r/runs/restart") || why="$same"; }
  [ -z "$why" ] && { out=$(check log_ok "$r/runs/restart") || why="$out"; }
  [ -z "$why" ] && { out=$(check ledger_ok "$r/runs/restart" "$r/experiments.jsonl") || why="$out"; }
  warned=""
  for f in "$r/err" "$r"/w*.log; do
    [ -f "$f" ] || continue
    k=$(grep -c "warning" "$f")
    warned="${warned:+$warned, }$k"
    [ -z "$why" ] && [ "$k" -gt 6 ] && why="$k warning lines in $(basename "$f") for 2 restarts, e.g. $(grep warning "$f" | head -1)"
  done
  stop_workers
  pg_private_stop
  [ -z "$why" ] && pass "store-pg-restart (restarted $restarted; lock taken again and both workers claimed again after each; $once; $lost recorded lost; local log = store: $same; warning lines: $warned (coordinator, workers); $(decision_of "$r/runs/restart/result.json") as undisturbed)" || fail store-pg-restart "$why"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
