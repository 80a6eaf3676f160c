#!/usr/bin/env python3
"""A test agent (standard library only) that calls an OpenAI-compatible API at OPENAI_BASE_URL.

params.calls: the list of call kinds, each sent as the user message ("ok", "stream", "error",
"429", "slow"); the fake upstream answers according to it. params.report: "none" (default),
"true" (llm_call events with the tokens the API reported) or "wrong" (doubled tokens).
params.env_dump: a file to write the agent's environment to (JSON).
"""
import json
import os
import sys
import urllib.error
import urllib.request


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def call(kind, model):
    body = {"model": model, "messages": [{"role": "user", "content": kind}],
            "tools": [{"type": "function", "function": {"name": "buy", "parameters": {"type": "object"}}}],
            "response_format": {"type": "json_object"}}
    if kind == "stream":
        body["stream"] = True
    req = urllib.request.Request(os.environ["OPENAI_BASE_URL"] + "/chat/completions", data=json.dumps(body).encode(),
                                 headers={"Authorization": "Bearer " + os.environ["OPENAI_API_KEY"],
                                          "Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(req, timeout=60) as resp:
        if kind != "stream":
            data = json.loads(resp.read())
            return data["choices"][0]["message"]["content"], data.get("usage"), 0
        text, usage, usage_only = "", None, 0
        for raw in resp:
            line = raw.decode().strip()
            if not line.startswith("data:"):
                continue
            data = line[5:].strip()
            if data == "[DONE]":
                break
            chunk = json.loads(data)
            if chunk.get("usage"):
                usage = chunk["usage"]
            if not chunk.get("choices"):
                usage_only += 1
                continue
            text += chunk["choices"][0]["delta"].get("content") or ""
        return text, usage, usage_only


def main():
    start = json.loads(sys.stdin.readline())
    params = start["config"].get("params", {})
    if params.get("env_dump"):
        with open(params["env_dump"], "w") as f:
            json.dump(dict(os.environ), f)
    answers, statuses, usage_only_chunks = [], [], 0
    for n, kind in enumerate(params.get("calls", ["ok"]), 1):
        try:
            text, usage, uo = call(kind, start["config"]["model_id"])
            usage_only_chunks += uo
            answers.append(text)
            statuses.append(200)
            if params.get("report", "none") != "none":
                k = 2 if params["report"] == "wrong" else 1
                emit({"type": "llm_call", "model": start["config"]["model_id"],
                      "prompt_tokens": k * usage["prompt_tokens"], "completion_tokens": k * usage["completion_tokens"],
                      "cached_prompt_tokens": 0, "duration_ms": 1})
            emit({"type": "step", "n": n, "tool": "llm", "ok": True})
        except urllib.error.HTTPError as e:
            err = json.loads(e.read())["error"]
            statuses.append(e.code)
            emit({"type": "log", "level": "warn", "msg": "HTTP %d %s" % (e.code, err.get("code"))})
            emit({"type": "step", "n": n, "tool": "llm", "ok": False})
            if err.get("code") in ("session_budget_exceeded", "run_budget_exceeded"):
                break
    emit({"type": "result", "success": bool(answers), "outcome": "success" if answers else "failure",
          "answer": " | ".join(answers), "metrics": {"statuses": statuses, "usage_only_chunks": usage_only_chunks}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
