#!/usr/bin/env python3
"""An agent for metaorch's process protocol (docs/protocol.md). Python 3, standard library only.

metaorch starts this program once per session, writes one "start" line on stdin, and reads
JSON lines from stdout: any number of "step"/"log" events, then exactly one "result"; then the
program exits with code 0. Logs go to stderr (kept in the run's logs/ folder).
LLM calls go to OPENAI_BASE_URL with OPENAI_API_KEY: metaorch's metering proxy, which counts
the tokens and cost of every call, so this agent never reports them itself.
"""
import json
import os
import sys
import urllib.error
import urllib.request


def emit(event):
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def chat(model, messages):
    request = urllib.request.Request(
        os.environ["OPENAI_BASE_URL"].rstrip("/") + "/chat/completions",
        data=json.dumps({"model": model, "messages": messages}).encode(),
        headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"], "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())["choices"][0]["message"]["content"]


def main():
    start = json.loads(sys.stdin.readline())
    task, config = start["task"], start["config"]
    sys.stderr.write("session %s task %s\n" % (start["session_id"], task["id"]))
    system = "\n".join(["You solve the user's task. Reply 'ANSWER: <answer>', or 'REJECT: <why>' if it is impossible."]
                       + config.get("guidelines", []))
    messages = [{"role": "system", "content": system}, {"role": "user", "content": task["text"]}]
    try:
        reply = chat(config["model_id"], messages)
    except (urllib.error.URLError, OSError) as e:
        detail = e.read().decode(errors="replace")[:300] if isinstance(e, urllib.error.HTTPError) else str(e)
        emit({"type": "log", "level": "error", "msg": "LLM call failed: %s" % detail})
        emit({"type": "step", "n": 1, "tool": "llm", "ok": False})
        emit({"type": "result", "success": False, "outcome": "failure", "answer": None})
        return 0
    emit({"type": "step", "n": 1, "tool": "llm", "ok": True})
    if reply.startswith("REJECT"):
        emit({"type": "result", "success": not task.get("solvable", True), "outcome": "rejected", "answer": reply})
    else:
        ok = reply.startswith("ANSWER") and task.get("solvable", True)
        emit({"type": "result", "success": ok, "outcome": "success" if ok else "failure", "answer": reply})
    return 0


if __name__ == "__main__":
    sys.exit(main())
