#!/usr/bin/env python3
"""Checks the serial log of a nested-Xen test bed run (see dom0-init) and
prints one TAP line per check plus the measured hook rate.
Usage: check-log.py LOG"""
import json
import re
import sys


def main():
    text = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
    lines = [l.rstrip("\r") for l in text.split("\n")]
    marks = {}
    for l in lines:
        m = re.search(r"GX-([A-Z0-9-]+)(.*?) t=([0-9.]+)$", l)
        if m:
            marks[m.group(1)] = (m.group(2).strip(), float(m.group(3)))
    results = []

    def check(name, ok, detail=""):
        results.append((name, bool(ok), detail))

    def kv(mark, key):
        m = re.search(key + r"=(-?\d+)", marks.get(mark, ("", 0))[0])
        return int(m.group(1)) if m else None

    check("dom0 and toolstack up", "TOOLS-UP" in marks)
    check("PVH domU up", "DOMU-UP" in marks,
          "t=%.1fs" % marks["DOMU-UP"][1] if "DOMU-UP" in marks else "")
    # ps: the process list between the markers
    ps, inside = [], False
    for l in lines:
        if "GX-PS-BEGIN" in l:
            inside = True
        elif "GX-PS-END" in l:
            inside = False
        elif inside:
            ps.append(l)
    check("guestrace ps xen:pvh1", kv("PS-END", "rc") == 0 and any(l.endswith(" init") for l in ps) and any("kthreadd" in l for l in ps),
          "%d lines" % len(ps))
    for l in ps[:12]:
        print("#   ps: " + l)
    # the CR-trap trace
    recs = []
    for l in lines:
        if l.startswith("GX-J "):
            try:
                recs.append(json.loads(l[5:]))
            except ValueError:
                pass
    for l in lines:
        if l.startswith("GX-E "):
            print("#   stderr: " + l[5:])
    check("trace xen:pvh1,trap=cr3 exits 0", kv("TRACE-END", "rc") == 0, "%d records" % len(recs))
    by_pid = {}
    for r in recs:
        by_pid.setdefault(r.get("pid"), []).append(r)
    order = sorted(by_pid, key=lambda p: by_pid[p][0].get("ts_ns", 0))
    inner = order[1:-1]
    counts = [len(by_pid[p]) for p in inner]
    exact = bool(inner) and all(c in (51, 501) for c in counts)
    check("every complete gtw-loop run traced exactly (N+1 getppid)", exact and len(inner) >= 2,
          "per-run counts %s" % counts[:20])
    # the workload's own account of each run: pid and count, and the
    # tracer's records of that run carry the right pid, tid, uid and comm
    own = {}
    for l in lines:
        if l.startswith("GX-L "):
            try:
                o = json.loads(l[5:])
                own[o.get("pid")] = o.get("count")
            except ValueError:
                pass
    matched = [p for p in inner if p in own and len(by_pid[p]) == own[p] + 1 and
               all(r.get("tid") == p and r.get("uid") == 0 and r.get("comm") == "gtw-loop"
                   for r in by_pid[p])]
    check("each traced run matches the workload's own log (pid, tid, uid, comm, count)",
          inner and len(matched) == len(inner),
          "%d of %d runs" % (len(matched), len(inner)))
    # the last process may have a call in flight when the trace ends (ret null)
    last = order[-1] if order else None
    good_ret = all(r.get("syscall") == "getppid" and
                   (r.get("ret") == r.get("ppid") or (r.get("ret") is None and r.get("pid") == last))
                   for r in recs)
    check("entry and return events: getppid returns the parent pid", recs and good_ret)
    def rate(records):
        """median calls/s inside the processes that ran whole (>= 51 calls)"""
        per = {}
        for r in records:
            per.setdefault(r.get("pid"), []).append(r["ts_ns"])
        rs = sorted((len(t) - 1) / ((t[-1] - t[0]) / 1e9) for t in per.values()
                    if len(t) >= 51 and t[-1] > t[0])
        return rs[len(rs) // 2] if rs else 0.0
    nospin = []
    for l in lines:
        if l.startswith("GX-K "):
            try:
                nospin.append(json.loads(l[5:]))
            except ValueError:
                pass
    r1, r0 = rate(recs), rate(nospin)
    print("# BENCH xen-cr3-trap: %.0f traced calls/s = %.0f hook events/s (entry + return)"
          % (r1, 2 * r1))
    print("# BENCH xen-cr3-trap without ring watch (GT_XEN_SPIN_US=0): %.0f calls/s = %.0f hook events/s"
          % (r0, 2 * r0))
    import base64
    rec = base64.b64decode("".join(l[5:] for l in lines if l.startswith("GX-R ")) or b"")
    if rec:
        out = sys.argv[2] if len(sys.argv) > 2 else sys.argv[1] + ".requests.bin"
        open(out, "wb").write(rec)
        print("# recorded %d vm_event requests -> %s" % (len(rec) // 400, out))
    check("real vm_event requests recorded (version 7, vCPU paused)", len(rec) >= 4000 and
          all(rec[i:i + 4] == b"\x07\0\0\0" and rec[i + 4] & 1 for i in range(0, len(rec) - 399, 400)),
          "%d bytes" % len(rec))
    # the abort filter: guestrace aborted the domU's openat of xenab, and
    # the domU program saw -13
    frecs = []
    for l in lines:
        if l.startswith("GX-F "):
            try:
                frecs.append(json.loads(l[5:]))
            except ValueError:
                pass
    aborted = [r for r in frecs if r.get("aborted") and r.get("ret") == -13]
    seen = []
    for l in lines:
        if l.startswith("GX-O "):
            try:
                seen.append(json.loads(l[5:]).get("ret"))
            except ValueError:
                pass
    check("abort filter: the guest program sees the chosen error", kv("FILTER-END", "rc") == 0
          and aborted and -13 in seen, "aborted records %d, guest results %s" % (len(aborted), seen))
    for l in lines:
        if "GX-RETRY" in l:
            print("# retried: " + l.strip())
    check("aborted trace (SIGINT) exits cleanly", kv("ABORT-END", "rc") == 0,
          marks.get("ABORT-END", ("", 0))[0])
    before, after = kv("ALIVE", "before"), kv("ALIVE", "after")
    check("guest keeps running after detach", before is not None and after is not None and after > before,
          "workload runs %s -> %s" % (before, after))
    check("ps again after detach (monitor ring torn down, bytes restored)",
          kv("PS2-END", "rc") == 0)
    check("bed finished", "DONE" in marks,
          "t=%.1fs" % marks["DONE"][1] if "DONE" in marks else "")
    print("1..%d" % len(results))
    failed = 0
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s%s" % ("ok" if ok else "not ok", i, name, (" # " + detail) if detail else ""))
        failed += not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
