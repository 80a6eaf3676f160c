#!/usr/bin/env python3
"""An example agent for metaorch's `process` variant (plain Python 3, no packages).

Protocol (JSON Lines; see DESIGN.md "Variant plugins"):
  1. metaorch -> agent, one line on stdin:
     {"type":"start","protocol":1,"session_id":..,"task":{..},"config":{..},"seed":..,"limits":{..}}
  2. agent -> metaorch, any number of lines on stdout:
     {"type":"llm_call","model":..,"prompt_tokens":n,"completion_tokens":n,"cached_prompt_tokens":n,"duration_ms":n}
     {"type":"step","n":..,"tool":..,"ok":..}
     {"type":"log","level":..,"msg":..}
     metaorch may send {"type":"cancel"} on stdin at any time (budget exceeded, run decided).
  3. agent -> metaorch, exactly one: {"type":"result","success":bool,"outcome":"..","answer":..,
     "external_score":..,"metrics":{..}}, then exit 0.
The agent never computes cost: metaorch prices the llm_call tokens from its price table.

This agent is a toy: it "solves" a task with probability 1 - difficulty (plus params.skill),
rejects impossible tasks with probability params.reject_impossible, and can misbehave on
purpose for tests: params.fault = crash | hang | garbage | flood | exit3 | noresult, or
params.fault_rates = {"crash": .1, "hang": .05, "garbage": .05, "flood": .01} drawn from the seed.
"""
import json
import os
import random
import select
import sys
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def cancelled():
    """True when metaorch sent {"type":"cancel"} on stdin."""
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if not ready:
        return False
    line = sys.stdin.readline()
    if not line:
        return False
    try:
        return json.loads(line).get("type") == "cancel"
    except ValueError:
        return False


def main():
    start = json.loads(sys.stdin.readline())
    if start.get("type") != "start" or start.get("protocol") != 1:
        sys.stderr.write("unexpected first message: %r\n" % start)
        return 2
    task = start["task"]
    config = start["config"]
    params = config.get("params", {})
    rng = random.Random(start["seed"])
    fault_rng = random.Random("%s/%s" % (start["seed"], start.get("attempt", 1)))
    sys.stderr.write("session %s task %s\n" % (start["session_id"], task["id"]))

    fault = params.get("fault", "none")
    rates = params.get("fault_rates", {})
    u = fault_rng.random()
    acc = 0.0
    for name in ("crash", "hang", "garbage", "flood"):
        acc += float(rates.get(name, 0))
        if u < acc:
            fault = name
            break

    if fault == "crash":
        sys.stderr.write("simulated crash\n")
        sys.exit(1)
    if fault == "exit3":
        emit({"type": "result", "success": True, "outcome": "success"})
        sys.exit(3)
    if fault == "hang":
        while True:
            time.sleep(1)
    if fault == "garbage":
        sys.stdout.write("this is not json {{{\n")
        sys.stdout.flush()
        time.sleep(0.2)
        return 0
    if fault == "flood":
        chunk = json.dumps({"type": "log", "level": "debug", "msg": "x" * 65000}) + "\n"
        for _ in range(int(params.get("flood_mb", 50)) * 16):
            sys.stdout.write(chunk)
        sys.stdout.flush()
        return 0

    model = config.get("model_id", "gpt-4o-mini")
    optimal = int(task.get("optimal_steps", 3))
    if not task.get("solvable", True):
        success = rng.random() < float(params.get("reject_impossible", 0.5))
        outcome = "rejected" if success else "failure"
        steps = 1 if success else optimal * 3
    else:
        p = 1.0 - float(task.get("difficulty", 0.5)) + float(params.get("skill", 0.0))
        success = rng.random() < max(0.0, min(1.0, p))
        outcome = "success" if success else "failure"
        steps = optimal if success else optimal * 2 + 1
    delay = float(params.get("step_delay_s", 0.0))
    for n in range(1, steps + 1):
        if cancelled():
            sys.stderr.write("cancelled by metaorch\n")
            emit({"type": "result", "success": False, "outcome": "failure", "answer": None,
                  "metrics": {"cancelled_at_step": n}})
            return 0
        emit({"type": "llm_call", "model": model, "prompt_tokens": 1200 + 200 * n,
              "completion_tokens": 80 + rng.randint(0, 60), "cached_prompt_tokens": 0 if n == 1 else 600,
              "duration_ms": 900 + rng.randint(0, 400)})
        emit({"type": "step", "n": n, "tool": "store_api", "ok": True})
        if delay:
            time.sleep(delay)
    if fault != "noresult":
        emit({"type": "result", "success": success, "outcome": outcome, "answer": "done" if success else None,
              "metrics": {"agent": "example_agent.py", "has_api_key": bool(os.environ.get("OPENAI_API_KEY"))}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
