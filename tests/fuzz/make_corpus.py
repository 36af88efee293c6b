#!/usr/bin/env python3
"""Rebuilds the seed corpus tests/fuzz/corpus/<target>/ from the recorded fixtures in tests/fixtures:
request and response bodies, raw streams and encoded streams (golden event lists turned back into
SSE), each given to the targets of its format, plus a few hand-made edge cases (error bodies,
JSON nested just past the depth limit). Run it after adding fixtures; commit what it writes."""
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
FORMATS = ["anthropic", "openai_chat", "openai_responses", "gemini"]
MAX_DEPTH = 128  # core/protocol/json_scan.hpp k_max_json_depth

corpus = {}


def add(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    corpus.setdefault(target, {})[name] = data


def body_kind(body):
    """"request" or "response" for a wire body (fixtures of a format's folder are of that format),
    None for anything else, such as the neutral form's goldens (messages made of "parts")."""
    if not isinstance(body, dict) or "parts" in body:
        return None
    messages = body.get("messages")
    if isinstance(messages, list) and any(isinstance(m, dict) and "parts" in m for m in messages):
        return None
    if any(key in body for key in ("messages", "contents", "input", "instructions")):
        return "request"
    if any(key in body for key in ("content", "choices", "output", "candidates")):
        return "response"
    return None


def stream_format(events):
    """The format of a list of {event?, data} records, or None."""
    for record in events:
        if not isinstance(record, dict) or "data" not in record:
            return None
    names = [record.get("event", "") for record in events]
    datas = [record["data"] for record in events]
    if any(name.startswith("response.") for name in names):
        return "openai_responses"
    if any(name.startswith("message_") or name.startswith("content_block") for name in names):
        return "anthropic"
    if any(isinstance(d, dict) and "candidates" in d for d in datas):
        return "gemini"
    if any(d == "[DONE]" or (isinstance(d, dict) and "choices" in d) for d in datas):
        return "openai_chat"
    return None


def sse_text(events):
    out = []
    for record in events:
        data = record["data"]
        text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
        out.append(("event: %s\n" % record["event"] if record.get("event") else "") + "data: %s\n\n" % text)
    return "".join(out)


def sse_file_format(path):
    name = path.name
    if path.parent.name in FORMATS:
        return path.parent.name
    for prefix, fmt in (("anthropic_", "anthropic"), ("openai_chat_", "openai_chat"), ("responses_", "openai_responses"),
                        ("gemini_", "gemini")):
        if name.startswith(prefix):
            return fmt
    return None


def from_fixtures():
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file():
            continue
        name = "%s-%s" % (path.parent.name, path.name)
        if path.suffix == ".sse":
            fmt = sse_file_format(path)
            add("sse_parser", name, path.read_bytes())
            if fmt:
                add("stream_" + fmt, name, path.read_bytes())
            continue
        if path.suffix != ".json" or ".decoded." in path.name or path.name.startswith("events_") or ".events." in path.name:
            continue
        data = json.loads(path.read_text())
        if isinstance(data, list):
            fmt = stream_format(data)
            if fmt:
                text = sse_text(data)
                add("stream_" + fmt, name + ".sse", text)
                add("sse_parser", name + ".sse", text)
            continue
        kind = body_kind(data)
        fmt = path.parent.name
        if kind and fmt in FORMATS:
            add("%s_%s" % (kind, fmt), name, path.read_bytes())
            add("json_scan", name, path.read_bytes())


def edge_cases():
    deep = "[" * MAX_DEPTH + "]" * MAX_DEPTH  # one level too deep inside any object
    errors = {
        "anthropic": {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
        "openai_chat": {"error": {"message": "maximum context length exceeded", "type": "invalid_request_error",
                                  "param": None, "code": "context_length_exceeded"}},
        "openai_responses": {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit_exceeded"}},
        "gemini": [{"error": {"code": 429, "message": "Resource has been exhausted", "status": "RESOURCE_EXHAUSTED"}}],
    }
    for fmt, body in errors.items():
        add("response_" + fmt, "edge-error.json", json.dumps(body))
    add("json_scan", "edge-too-deep.json", '{"a":' + deep + "}")
    add("json_scan", "edge-escapes.json", r'{"a\"b":"x\\","n":-12,"u":18446744073709551615,"a":[{"}":"]"}]}')
    add("request_anthropic", "edge-too-deep.json",
        '{"model":"m","max_tokens":10,"messages":[{"role":"user","content":"hi"}],'
        '"tools":[{"name":"t","input_schema":{"type":"object","properties":{"x":' + deep + "}}}]}")
    add("request_anthropic", "edge-wrong-types.json",
        '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"hi"},{"role":5,"content":'
        '[{"type":"thinking","thinking":"t","signature":"llmgw1.openai.abc"}]}]}')
    add("request_openai_chat", "edge-too-deep.json",
        '{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":'
        '{"name":"t","parameters":{"type":"object","properties":{"x":' + deep + "}}}}]}")
    huge = 9000000000000000000  # two of these overflow int64 when summed
    add("stream_gemini", "edge-usage-overflow.sse",
        'data: {"candidates":[{"content":{"parts":[{"text":"hi"}]},"finishReason":"STOP"}],"usageMetadata":'
        '{"promptTokenCount":%d,"candidatesTokenCount":%d,"thoughtsTokenCount":%d}}\n\n' % (huge, huge, huge))
    add("response_anthropic", "edge-usage-overflow.json",
        '{"id":"m","type":"message","content":[],"usage":{"input_tokens":%d,"cache_read_input_tokens":%d,'
        '"output_tokens":%d}}' % (huge, huge, huge))
    add("response_openai_chat", "edge-deep-arguments.json",
        '{"choices":[{"message":{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":'
        '{"name":"f","arguments":"' + deep + '"}}]},"finish_reason":"tool_calls"}]}')
    fan_out = {"type": "object", "properties": {name: {"$ref": "#/$defs/N"} for name in "abcdefghij"}}
    add("request_openai_chat", "edge-ref-fan-out.json", json.dumps(
        {"model": "m", "messages": [{"role": "user", "content": "hi"}],
         "tools": [{"type": "function", "function": {"name": "t", "parameters": {"$defs": {"N": fan_out},
                                                                               "$ref": "#/$defs/N"}}}]}))
    add("stream_anthropic", "edge-stop-without-data.sse",
        'event: message_start\ndata: {"type":"message_start","message":{"id":"m","model":"x"}}\n\n'
        "event: message_stop\ndata: \n\n")
    # Request heads as the SDKs send them, each twice, then with a name recased, a line fewer, a
    # space before a colon: what the kept maps and orders of header_lines meet.
    sdk = ("Host: 127.0.0.1:4000\r\nAccept: application/json\r\nContent-Type: application/json\r\n"
           "User-Agent: OpenAI/JS 4.104.0\r\nX-Stainless-Lang: js\r\nX-Stainless-Arch: x64\r\n"
           "x-stainless-retry-count: 0\r\nAuthorization: Bearer llmgw-token\r\nContent-Length: 79\r\n\r\n")
    claude = ("host: 127.0.0.1:4000\r\nanthropic-version: 2023-06-01\r\nanthropic-beta: a,b\r\n"
              "x-api-key: llmgw-token\r\nx-claude-code-session-id: s\r\naccept: application/json\r\n"
              "accept: text/event-stream\r\nuser-agent: claude-cli/2.0\r\ncontent-length: 12\r\n\r\n")
    add("header_lines", "sdk-twice.txt", sdk + "\0" + sdk.replace("js", "python"))
    add("header_lines", "claude-code-twice.txt", claude + "\0" + claude.replace("s\r", "t\r"))
    add("header_lines", "recased.txt", sdk + "\0" + sdk.replace("Accept:", "accept:"))
    add("header_lines", "line-fewer.txt", sdk + "\0" + sdk.replace("X-Stainless-Arch: x64\r\n", ""))
    add("header_lines", "space-before-colon.txt", sdk + "\0" + sdk.replace("Accept:", "Accept :"))
    add("header_lines", "both.txt", sdk + "\0" + claude + "\0" + sdk + "\0" + claude)


def main():
    from_fixtures()
    edge_cases()
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    for target, files in sorted(corpus.items()):
        directory = CORPUS / target
        directory.mkdir(parents=True)
        for name, data in sorted(files.items()):
            (directory / name).write_bytes(data)
        print("%-28s %3d files" % (target, len(files)))


if __name__ == "__main__":
    main()
