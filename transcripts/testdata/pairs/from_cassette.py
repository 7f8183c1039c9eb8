#!/usr/bin/env python3
"""Rewrites a VCR cassette (pydantic-ai's YAML, recorded against the live
API) as request/response pairs, the convention tokenscope reads:
{"url": …, "request": <request body>, "response": <response body>}, the
response an object when the cassette kept it parsed, else the body string
as recorded (a server-sent event stream). Headers are dropped.

usage: from_cassette.py CASSETTE.yaml [--jsonl] > out.json
"""
import json
import sys

import yaml


def body(part):
    if part.get("parsed_body") is not None:
        return part["parsed_body"]
    b = part.get("body")
    if isinstance(b, dict):
        b = b.get("string")
    return b


def main():
    cassette = yaml.safe_load(open(sys.argv[1]))
    pairs = [{"url": it["request"]["uri"], "request": body(it["request"]), "response": body(it["response"])}
             for it in cassette["interactions"]]
    if "--jsonl" in sys.argv:
        for p in pairs:
            print(json.dumps(p, ensure_ascii=False))
    else:
        print(json.dumps(pairs, indent=1, ensure_ascii=False))


main()
