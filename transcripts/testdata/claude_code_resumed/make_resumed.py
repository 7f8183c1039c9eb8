#!/usr/bin/env python3
"""Builds 0a7e4c2d-….jsonl, the session `claude --resume d6e0bada-…` starts,
from the real session d6e0bada-….jsonl (spotter's tool_heavy.jsonl) as
Claude Code 1.0.x writes a resumed session (see transcripts/testdata/README):
a leading summary line whose leafUuid is the resumed session's last message,
a copy of its user and assistant lines (same uuid, message id, request id;
sessionId rewritten to the new session's; timestamp re-stamped with the
resume time), then the new turn: one user prompt and one call."""
import json, sys

OLD = "d6e0bada-1959-4eec-a9d2-0bfade768d8f"
NEW = "0a7e4c2d-5b1f-4c3e-9d8a-6f2b1c0e9a47"
RESUME = "2026-02-10T23:05:46.120Z"  # 6 minutes after the last line
WRITE = int(sys.argv[1]) if len(sys.argv) > 1 else 1425

lines = [json.loads(l) for l in open(OLD + ".jsonl")]
msgs = [d for d in lines if d.get("type") in ("user", "assistant")]
leaf = msgs[-1]["uuid"]
out = [{"type": "summary", "summary": "Fix xterm.js scrolling in the embedded terminal", "leafUuid": leaf}]
for d in msgs:
    d = dict(d)
    d["sessionId"] = NEW
    d["timestamp"] = RESUME
    out.append(d)
base = {k: msgs[-1][k] for k in ("isSidechain", "userType", "cwd", "version", "gitBranch")}
prompt = dict(base, parentUuid=leaf, sessionId=NEW, type="user",
              message={"role": "user", "content": "Go on with the scroll fix: apply the event bubbling from PR #2388 to our terminal component."},
              uuid="5d0c3a71-2e4b-4f8a-b1c6-7e9d2a4f3b10", timestamp="2026-02-10T23:06:02.311Z")
call = dict(base, parentUuid=prompt["uuid"], sessionId=NEW, type="assistant",
            message={"model": "claude-opus-4-6", "id": "msg_constructed_resume_call_1", "type": "message", "role": "assistant",
                     "content": [{"type": "text", "text": "I'll look at how the terminal component handles wheel events first."}],
                     "stop_reason": "end_turn", "stop_sequence": None,
                     # what the provider had cached: the resumed session's last call's whole input (47 + 26,504 + 1,115)
                     "usage": {"input_tokens": 3, "cache_creation_input_tokens": WRITE, "cache_read_input_tokens": 27666,
                               "output_tokens": 19, "service_tier": "standard",
                               "cache_creation": {"ephemeral_1h_input_tokens": WRITE, "ephemeral_5m_input_tokens": 0}}},
            requestId="req_constructed_resume_call_1", uuid="8b2f6e14-3c7a-4d9e-a5b0-1f4c8e2d6a93", timestamp="2026-02-10T23:06:05.874Z")
out += [prompt, call]
with open(NEW + ".jsonl", "w") as f:
    for d in out:
        f.write(json.dumps(d, separators=(",", ":"), ensure_ascii=False) + "\n")
