#!/usr/bin/env python3
"""Where the CPU went in a JFR recording: execution samples by the first frame (from the top of the
stack) that falls in a known area, by thread group, the hottest methods by self time, and by
inclusive time (every method on a sampled stack counts once) for the classes of some prefixes.

  scripts/jfr-summary.py recording.jfr [top=25] [filter=dev.marketplace.,org.apache.lucene.]

Record with e.g. `jcmd <pid> JFR.start settings=profile duration=20s filename=x.jfr` during a
benchmark phase (or `-XX:StartFlightRecording=settings=profile,filename=x.jfr` on the command line).
Standard library only; needs the JDK's `jfr` tool on the PATH.
"""
import argparse
import collections
import json
import re
import subprocess
import sys

# first match from the top of the stack wins: libraries before our code, so a sample inside
# PostgreSQL's client called from a verticle counts as the client's
AREAS = [
    ("kafka (broker and clients)", r"^(kafka\.|org\.apache\.kafka\.)"),
    ("lucene", r"^org\.apache\.lucene\."),
    ("crypto (JWT, HMAC, TLS, Argon2)", r"^(sun\.security\.|com\.sun\.crypto\.|javax\.crypto\.|org\.bouncycastle\.|com\.nimbusds\.|de\.mkammerer\.|com\.password4j\.)"),
    ("postgres client", r"^io\.vertx\.pgclient\.|^io\.vertx\.sqlclient\."),
    ("event bus / hazelcast", r"^(io\.vertx\.core\.eventbus\.|io\.vertx\.core\.impl\.eventbus\.|io\.vertx\.spi\.cluster\.|com\.hazelcast\.)"),
    ("http (vert.x web, http)", r"^(io\.vertx\.ext\.web\.|io\.vertx\.core\.http\.|io\.vertx\.core\.internal\.http\.)"),
    ("json (jackson, vert.x json)", r"^(com\.fasterxml\.jackson\.|io\.vertx\.core\.json\.)"),
    ("metrics (micrometer)", r"^(io\.micrometer\.|io\.vertx\.micrometer\.)"),
    ("logging", r"^(ch\.qos\.logback\.|org\.slf4j\.)"),
    ("netty (I/O, buffers)", r"^io\.netty\."),
    ("marketplace code", r"^dev\.marketplace\."),
    ("vert.x core (futures, context)", r"^io\.vertx\."),
    ("JDK (collections, strings, regex, GC barriers)", r"^(java\.|jdk\.|sun\.)"),
]
THREADS = [
    ("event loops", r"^vert\.x-eventloop"),
    ("vert.x workers", r"^vert\.x-(worker|internal-blocking)"),
    ("kafka broker", r"^(data-plane-kafka|kafka-|ExpirationReaper|LogDirFailureHandler|controller-|broker-|raft-|metadata-|TxnMarkerSenderThread|group-coordinator|transaction-log)"),
    ("kafka clients", r"^(kafka-producer|kafka-consumer|vert\.x-kafka)"),
    ("hazelcast", r"^hz\."),
    ("catalog index", r"^catalog-index"),
]


def area_of(frames):
    for frame in frames:
        name = frame["method"]["type"]["name"].replace("/", ".")
        for area, pattern in AREAS:
            if re.search(pattern, name):
                return area
    return "other"


def thread_of(name):
    for group, pattern in THREADS:
        if re.search(pattern, name or ""):
            return group
    return "other threads"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("recording")
    parser.add_argument("top", nargs="?", type=int, default=25)
    parser.add_argument("filter", nargs="?", default="dev.marketplace.,org.apache.lucene.",
                        help="class prefixes for the inclusive table, comma-separated")
    args = parser.parse_args()
    prefixes = tuple(args.filter.split(","))
    out = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample", args.recording],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(out)["recording"]["events"]
    if not events:
        sys.exit("no execution samples in the recording")
    areas, threads, tops, inclusive = collections.Counter(), collections.Counter(), collections.Counter(), collections.Counter()
    for event in events:
        values = event["values"]
        frames = (values.get("stackTrace") or {}).get("frames") or []
        thread = (values.get("sampledThread") or {}).get("javaName") or (values.get("sampledThread") or {}).get("osName")
        areas[area_of(frames)] += 1
        threads[thread_of(thread)] += 1
        if frames:
            top = frames[0]["method"]
            tops[top["type"]["name"].replace("/", ".") + "." + top["name"]] += 1
        methods = {frame["method"]["type"]["name"].replace("/", ".") + "." + frame["method"]["name"] for frame in frames}
        for method in methods:
            if method.startswith(prefixes):
                inclusive[method] += 1
    n = len(events)
    print(f"{n} execution samples in {args.recording}")
    for title, counter in (("by area (first known frame from the top)", areas), ("by thread", threads)):
        print(f"\n{title}:")
        for key, count in counter.most_common():
            print(f"  {100 * count / n:5.1f} %  {count:6d}  {key}")
    print(f"\nself time, top {args.top}:")
    for key, count in tops.most_common(args.top):
        print(f"  {100 * count / n:5.1f} %  {key}")
    print(f"\ninclusive time ({', '.join(prefixes)}), top {args.top}:")
    for key, count in inclusive.most_common(args.top):
        print(f"  {100 * count / n:5.1f} %  {key}")


if __name__ == "__main__":
    main()
