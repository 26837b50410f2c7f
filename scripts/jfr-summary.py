#!/usr/bin/env python3
"""Where a JFR recording's CPU samples go: the hottest methods by self time and by inclusive time
(every method on a sampled stack counts once), as percentages of all Java execution samples, and
the samples per thread group. Standard library only; needs the JDK's `jfr` tool on the PATH.

    scripts/jfr-summary.py /tmp/jfr/search-8.jfr [top=25] [filter=dev.marketplace.,org.apache.lucene.]

The filter limits the inclusive table to methods whose class starts with one of the prefixes
(the self table always shows everything).
"""
import collections
import json
import re
import subprocess
import sys


def frames_of(event):
    stack = event.get("values", {}).get("stackTrace") or {}
    out = []
    for frame in stack.get("frames", []):
        method = frame.get("method", {})
        cls = method.get("type", {}).get("name", "?")
        out.append(cls + "." + method.get("name", "?"))
    return out


def thread_group(name):
    # collapse numbered threads: vert.x-eventloop-thread-3 -> vert.x-eventloop-thread
    return re.sub(r"[-#]?\d+$", "", name or "?")


def main():
    path = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    prefixes = tuple((sys.argv[3] if len(sys.argv) > 3 else "dev.marketplace.,org.apache.lucene.").split(","))
    raw = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", path],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(raw)["recording"]["events"]
    total = len(events)
    if total == 0:
        print("no execution samples")
        return
    self_counts = collections.Counter()
    inclusive = collections.Counter()
    threads = collections.Counter()
    for event in events:
        frames = frames_of(event)
        thread = event.get("values", {}).get("sampledThread", {}) or {}
        threads[thread_group(thread.get("javaName") or thread.get("osName"))] += 1
        if not frames:
            continue
        self_counts[frames[0]] += 1
        for method in set(frames):
            if method.startswith(prefixes):
                inclusive[method] += 1
    print(f"{path}: {total} execution samples")
    print("\nby thread:")
    for name, n in threads.most_common(10):
        print(f"  {100.0 * n / total:5.1f} %  {name}")
    print(f"\nself time, top {top}:")
    for method, n in self_counts.most_common(top):
        print(f"  {100.0 * n / total:5.1f} %  {method}")
    print(f"\ninclusive time ({', '.join(prefixes)}), top {top}:")
    for method, n in inclusive.most_common(top):
        print(f"  {100.0 * n / total:5.1f} %  {method}")


if __name__ == "__main__":
    main()
