#!/usr/bin/env python3
"""Re-encode the spans Langfuse kept of real framework runs as OpenTelemetry.

Langfuse stores each OpenTelemetry span it ingests as an observation whose
metadata keeps the span's original attributes, scope and resource. This
script writes them back out, unchanged, in the two encodings tokenscope's
otel reader takes:

  <name>.otlp.json   an OTLP/JSON ExportTraceServiceRequest, integers as
                     intValue strings, as a collector's file exporter writes
  <name>.spans.jsonl one span a line, as the Python SDK's span.to_json()
                     (context.trace_id/span_id, parent_id, flat attributes)

Only the observation's message content, which Langfuse moves from the
span's gen_ai.input.messages / gen_ai.output.messages attributes into the
observation's input and output, is put back under those names (when the
span's own attributes carry no messages). Usage Langfuse inferred itself is
not added: only the span's own usage attributes are kept.

Run from this directory: python3 from_langfuse.py
"""
import json
import re
from datetime import datetime

SOURCES = {
    "pydantic-ai-tools": ("../langfuse/pydantic-ai-tools-2025-12-04.json", "otlp"),
    "microsoft-agent": ("../langfuse/microsoft-agent-2025-10-14.json", "otlp"),
    "openai-agents": ("../langfuse/openai-agents-2025-09-30.json", "jsonl"),
}

INT = re.compile(r"^-?\d+$")
FLOAT = re.compile(r"^-?\d+\.\d+$")


def nanos(iso):
    t = datetime.strptime(iso.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(t.timestamp()) * 10**9 + t.microsecond * 1000


def otlp_value(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, str):
        if INT.match(v):
            return {"intValue": v}
        if FLOAT.match(v):
            return {"doubleValue": float(v)}
        return {"stringValue": v}
    return {"stringValue": json.dumps(v, ensure_ascii=False)}


def plain(v):
    if isinstance(v, str):
        if INT.match(v):
            return int(v)
        if FLOAT.match(v):
            return float(v)
        return v
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return v


def spans_of(doc):
    trace_id = doc["trace"]["id"]
    for o in doc["observations"]:
        md = o.get("metadata") or {}
        if isinstance(md, str):
            md = json.loads(md)
        attrs = dict(md.get("attributes") or {})
        has_msgs = any(k.startswith(("gen_ai.input.messages", "gen_ai.prompt.", "llm.input_messages.")) for k in attrs)
        if o["type"] == "GENERATION" and not has_msgs and isinstance(o.get("input"), list):
            attrs["gen_ai.input.messages"] = o["input"]
            if o.get("output") is not None:
                attrs["gen_ai.output.messages"] = o["output"]
        yield {
            "trace_id": trace_id,
            "span_id": o["id"],
            "parent_id": o.get("parentObservationId"),
            "name": o["name"],
            "start": o["startTime"],
            "end": o.get("endTime") or o["startTime"],
            "attrs": attrs,
            "scope": md.get("scope") or {},
            "resource": md.get("resourceAttributes") or {},
        }


def write_otlp(name, spans):
    scopes = {}
    resource = {}
    for s in spans:
        resource = resource or s["resource"]
        key = (s["scope"].get("name", ""), s["scope"].get("version", ""))
        scopes.setdefault(key, []).append({
            "traceId": s["trace_id"],
            "spanId": s["span_id"],
            "parentSpanId": s["parent_id"] or "",
            "name": s["name"],
            "kind": 1,
            "startTimeUnixNano": str(nanos(s["start"])),
            "endTimeUnixNano": str(nanos(s["end"])),
            "attributes": [{"key": k, "value": otlp_value(v)} for k, v in s["attrs"].items()],
            "status": {},
        })
    req = {"resourceSpans": [{
        "resource": {"attributes": [{"key": k, "value": otlp_value(v)} for k, v in resource.items()]},
        "scopeSpans": [{"scope": {"name": n, "version": v}, "spans": ss} for (n, v), ss in scopes.items()],
    }]}
    with open(name + ".otlp.json", "w") as f:
        json.dump(req, f, ensure_ascii=False, indent=1)
        f.write("\n")


def write_jsonl(name, spans):
    with open(name + ".spans.jsonl", "w") as f:
        for s in spans:
            f.write(json.dumps({
                "name": s["name"],
                "context": {"trace_id": "0x" + s["trace_id"], "span_id": "0x" + s["span_id"]},
                "parent_id": ("0x" + s["parent_id"]) if s["parent_id"] else None,
                "start_time": s["start"],
                "end_time": s["end"],
                "attributes": {k: plain(v) for k, v in s["attrs"].items()},
                "resource": {"attributes": s["resource"]},
            }, ensure_ascii=False) + "\n")


for name, (path, form) in SOURCES.items():
    with open(path) as f:
        spans = list(spans_of(json.load(f)))
    (write_otlp if form == "otlp" else write_jsonl)(name, spans)
