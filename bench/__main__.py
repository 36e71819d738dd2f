"""`python -m bench [all|NAME ...] [--quick] [--no-write]`: run benchmarks, print figures, write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime, timezone

os.environ.setdefault("PTB_TIMEDELTA", "true")  # before telegram is imported, as the bot and tests do

from bench.runner import BENCHES, DOC, run_all  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """Exit status 0 when every benchmark ran (whatever its goals), 1 when one broke, 2 on bad usage."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split(":", 1)[1].strip())
    p.add_argument("names", nargs="*", default=["all"], metavar="NAME",
                   help=f"all (the default) or any of: {', '.join(BENCHES)}")
    p.add_argument("--quick", action="store_true", help="a tenth of the size, a few runs: proves the benchmarks work")
    p.add_argument("--no-write", action="store_true", help="print the figures only; leave docs/benchmarks.md alone")
    args = p.parse_args(argv)
    names = list(BENCHES) if "all" in args.names else args.names
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        p.error(f"unknown benchmark {', '.join(unknown)}; choose from all, {', '.join(BENCHES)}")
    started, t0 = datetime.now(timezone.utc), time.perf_counter()
    outcomes = run_all(names, args.quick)
    print(f"--- {len(names)} benchmark(s) in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    if not args.no_write:
        from bench.report import write

        write(outcomes, args.quick, started, DOC)
        print(f"wrote {DOC.relative_to(DOC.parents[1])}", file=sys.stderr)
    broken = [o.name for o in outcomes if o.error]
    if broken:
        print(f"broken: {', '.join(broken)}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
