#!/usr/bin/env python3
"""A local stand-in for an OpenAI-compatible endpoint, to try an agent without an API key.

    python3 fake_llm.py --port 8799
    export OPENAI_BASE_URL=http://127.0.0.1:8799/v1 OPENAI_API_KEY=sk-local-fake

POST /v1/chat/completions answers deterministically from a hash of the messages: "ANSWER: ..."
with a probability that a system prompt asking to "check" raises, "REJECT: ..." for tasks that
mention something impossible, and reports `usage` like the real API (prompt tokens ~ characters
/ 4), streamed too (stream: true, with stream_options.include_usage). Standard library only.
"""
import argparse
import hashlib
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def answer(messages):
    text = json.dumps(messages, sort_keys=True)
    u = int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) / 0x100000000
    system = " ".join(m.get("content") or "" for m in messages if m.get("role") == "system").lower()
    user = " ".join(m.get("content") or "" for m in messages if m.get("role") == "user").lower()
    if "impossible" in user or "does not exist" in user:
        return "REJECT: the request cannot be fulfilled" if u < 0.5 + (0.4 if "check" in system else 0) else "ANSWER: 7"
    return "ANSWER: 42" if u < 0.45 + (0.35 if "check" in system else 0) else "I am not sure."


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if not self.path.endswith("/chat/completions"):
            return self.reply(404, {"error": {"message": "unknown path", "type": "invalid_request_error", "code": None}})
        messages = body.get("messages", [])
        text = answer(messages)
        usage = {"prompt_tokens": max(1, len(json.dumps(messages)) // 4), "completion_tokens": max(1, len(text) // 4)}
        usage["total_tokens"] = usage["prompt_tokens"] + usage["completion_tokens"]
        model = body.get("model", "gpt-4o-mini")
        if body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            events = [{"object": "chat.completion.chunk", "model": model,
                       "choices": [{"index": 0, "delta": {"content": text}}]}]
            if body.get("stream_options", {}).get("include_usage"):
                events.append({"object": "chat.completion.chunk", "model": model, "choices": [], "usage": usage})
            for e in [json.dumps(e) for e in events] + ["[DONE]"]:
                data = ("data: %s\n\n" % e).encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.reply(200, {"object": "chat.completion", "model": model, "usage": usage,
                         "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                      "finish_reason": "stop"}]})

    def reply(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8799)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("fake LLM listening on http://127.0.0.1:%d/v1" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
