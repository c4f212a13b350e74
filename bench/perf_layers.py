#!/usr/bin/env python3
"""perf_layers.py PERF_DATA [CPU_US_PER_REQUEST [CATEGORY]]: where a request's CPU goes, layer
by layer, from a `perf record --call-graph dwarf` of anyport (`bench/README.md`, Profiling).

Each sample is charged to the first frame, walking up from the leaf, that names an owner
below: a malloc called by the log formatter is the access log's, a send() called by sqlx is
sqlx's. I/O plumbing (tokio::net, mio, std::net) is skipped so that a syscall goes to its
caller. With the measured CPU per request (user + sys, µs), shares become µs per request.
With a CATEGORY (a substring), the leaf symbols charged to it are listed, to check the rules.
"""
import collections
import re
import subprocess
import sys

OWNERS = [  # most specific first; the first frame from the leaf that matches one wins
    ("access log: format", r"tracing_subscriber::fmt::format|tracing_serde|fmt_layer|FormatEvent|format_time|datetime"),
    ("access log: write", r"LineWriter|Stdout|stdout"),
    ("access log: other", r"tracing_core|tracing_subscriber|anyport::http::access_log"),
    ("request id", r"anyport::http::request_id|uuid"),
    ("token check", r"require_token_for_writes|RequireTokenForWrites|ValidateRequestHeader|bearer_matches|subtle"),
    ("body drain", r"drain_before_errors|DrainBeforeErrors|SharedBody"),
    ("405 problem", r"method_not_allowed_problem"),
    ("readiness gate + timeout", r"schema_gate|guard_records|anyport::http::guard|with_timeout|tokio::time|tokio::runtime::time|TimerEntry"),
    ("JSON (serde_json)", r"serde_json|axum::json"),
    ("sqlx (driver, pool)", r"sqlx"),
    ("handler + extractors", r"anyport::routes|anyport::extract|anyport::pagination|anyport::error|serde_urlencoded|chrono"),
    ("layer plumbing (from_fn boxing, service and state clones)",
     r"axum::middleware|BoxCloneSyncService|boxed_clone_sync|tower::util|Oneshot|MapIntoResponse|anyport::AppState|Either"),
    ("routing (axum Router, matchit)", r"axum::routing|matchit|axum::extract|url_params"),
    ("hyper (HTTP/1, connection)", r"hyper::|hyper_util|httparse|anyport::serve"),
    ("tokio scheduler", r"tokio::|epoll"),
]
RULES = [(name, re.compile(rx)) for name, rx in OWNERS]
TRANSPARENT = re.compile(r"tokio::net|tokio::io|mio::|std::sys|std::net|<&std::os|PollEvented|Registration|do_io|try_io")


def owner(frames):
    for frame in frames:
        if TRANSPARENT.search(frame):
            continue
        for name, rx in RULES:
            if rx.search(frame):
                return name, frame
    return ("other", frames[0])


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    data = sys.argv[1]
    cpu = float(sys.argv[2]) if len(sys.argv) > 2 else None
    show = sys.argv[3] if len(sys.argv) > 3 else None
    script = subprocess.run(["perf", "script", "-i", data, "-F", "ip,sym,dso"], capture_output=True, text=True)
    counts, leaves, total = collections.Counter(), collections.defaultdict(collections.Counter), 0
    for block in script.stdout.split("\n\n"):
        frames = [re.sub(r"^[0-9a-f]+ ", "", line.strip()) for line in block.strip().splitlines() if line.strip()]
        if not frames:
            continue
        total += 1
        name, frame = owner(frames)
        key = ("sys  " if "[kernel.kallsyms]" in frames[0] else "user ") + name
        counts[key] += 1
        leaves[key][f"{frames[0][:80]}  <=  {frame[:100]}"] += 1
    print(f"{total} samples")
    for key, n in sorted(counts.items(), key=lambda kv: (not kv[0].startswith("user"), -kv[1])):
        per_request = f"  {n / total * cpu:5.1f} µs/req" if cpu else ""
        print(f"{n / total * 100:5.1f}%{per_request}  {key}")
        if show and show in key:
            for leaf, m in leaves[key].most_common(20):
                print(f"        {m:5d}  {leaf}")


if __name__ == "__main__":
    main()
