#!/usr/bin/env bash
# Side-by-side CPU benchmark of two engine builds:
#   bin/bench-compare.sh OLD NEW [bench options...]
# OLD and NEW are each an engine jar (lingspark-engine-*.jar) or a folder (a checkout: its
# engine/target jar, else engine/target/classes; or a classes folder itself). Both run on the same
# dependency classpath: $DEPS_CP (a file, as `mvnw dependency:build-classpath -pl engine` writes),
# made once into engine/target/bench-deps.classpath when unset.
# Each round runs OLD then NEW (fresh JVMs, the order alternating round by round so neither always
# runs second), logs /proc/loadavg before each run, and keeps every run's JSON in $OUT (default
# a temp folder). At the end it prints medians and ranges per build, the NEW/OLD ratio of the
# medians and the paired ratios (each round's NEW over its OLD: median and range), and the fma probe
# (bench's machine_probe: the cores' speed before and after each run, where the build reports it).
# ROUNDS (default 3), JAVA_HOME (the JVM; default `java` on the PATH), JAVA_OPTS (extra JVM flags).
# The machine is rarely quiet: compare the loads logged next to each run before trusting a ratio.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 2 ]]; then
  sed -n '2,14p' "$0" >&2
  exit 2
fi
OLD="$1"; NEW="$2"; shift 2
ROUNDS="${ROUNDS:-3}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
OUT="${OUT:-$(mktemp -d /tmp/bench-compare.XXXXXX)}"
mkdir -p "$OUT"
: > "$OUT/loads.txt" # this run's loads only (a reused OUT kept older ones)

engine_cp() { # a jar, a checkout, or a classes folder → the engine's classpath entry
  local p="$1"
  if [[ -f "$p" ]]; then echo "$p"; return; fi
  local jar
  jar="$(ls "$p"/engine/target/lingspark-engine-*.jar 2>/dev/null | grep -v -- '-tests' | head -1 || true)"
  if [[ -n "$jar" ]]; then echo "$jar"; return; fi
  if [[ -d "$p/engine/target/classes" ]]; then echo "$p/engine/target/classes"; return; fi
  if [[ -d "$p/io/lingspark" ]]; then echo "$p"; return; fi
  echo "bench-compare: no engine build in $p" >&2
  exit 2
}
OLD_CP="$(engine_cp "$OLD")"
NEW_CP="$(engine_cp "$NEW")"
DEPS_CP="${DEPS_CP:-$ROOT/engine/target/bench-deps.classpath}"
if [[ ! -s "$DEPS_CP" ]]; then
  # offline first (no network needed once built); a fresh machine lacks the plugin: fetch it then
  (cd "$ROOT" && { ./mvnw -o -q dependency:build-classpath -pl engine -Dmdep.outputFile="$DEPS_CP" >/dev/null 2>&1 \
    || ./mvnw -q dependency:build-classpath -pl engine -Dmdep.outputFile="$DEPS_CP" >&2; })
fi
DEPS="$(cat "$DEPS_CP")"

run() { # $1 label, $2 engine classpath, $3 round
  local who="$1" cp="$2" r="$3"; shift 3
  local f="$OUT/$who-$r.json"
  echo "round $r $who: load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/loads.txt" >&2
  # shellcheck disable=SC2086
  "$JAVA" ${JAVA_OPTS:-} -XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector \
    -cp "$cp:$DEPS" io.lingspark.engine.cli.EngineCli bench "$@" > "$f" 2> "$OUT/$who-$r.err" \
    || { echo "bench-compare: $who round $r failed, see $OUT/$who-$r.err" >&2; exit 1; }
  python3 - "$f" "$(cut -d' ' -f1 /proc/loadavg)" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); d["load_after"] = float(sys.argv[2])
json.dump(d, open(sys.argv[1], "w"), indent=1)
EOF
}
shift_args=("$@")
for ((r = 1; r <= ROUNDS; r++)); do
  if ((r % 2 == 1)); then order=(old new); else order=(new old); fi
  for who in "${order[@]}"; do
    if [[ $who == old ]]; then cp_=$OLD_CP; else cp_=$NEW_CP; fi
    run "$who" "$cp_" "$r" ${shift_args[@]+"${shift_args[@]}"}
  done
done
python3 - "$OUT" "$ROUNDS" "$OLD_CP" "$NEW_CP" <<'EOF'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
def runs(who):
    return [json.load(open(f"{out}/{who}-{r}.json")) for r in range(1, rounds + 1)]
def fig(d):
    f = {"prefill tok/s": d["prefill_tokens_per_s"]}
    for x in d["decode"]:
        f[f"decode b{x['batch']} tok/s"] = x["tokens_per_s"]
    b = d.get("batch1_bound")
    if b:
        f["b1 bound tok/s"] = b["tokens_per_s"]
        if "fraction_reached" in b:
            f["b1 % of bound"] = 100 * b["fraction_reached"]
    probe = d.get("machine_probe") # builds before it have none
    if probe:
        f["fma GFLOP/s/core before"] = probe["fma_gflops_per_core_before"]
        f["fma GFLOP/s/core after"] = probe["fma_gflops_per_core_after"]
    f["load after run"] = d["load_after"]
    return f
old, new = [list(map(fig, runs(w))) for w in ("old", "new")]
first = runs("new")[0]
print(f"machine: {first['machine']}; backend {first['backend']}; model {first['model']}")
print(f"old: {sys.argv[3]}\nnew: {sys.argv[4]}\n{rounds} rounds, medians (min-max)")
# new/old: the ratio of the medians; paired: each round's NEW over the same round's OLD (run minutes
# apart, so a slow spell of the machine hits both), median and range: the steadier of the two.
# The machine's state (the fma probe: the cores' speed just before and after each run; the load) gets no
# ratio: it is there to show which runs met a slowed machine.
def cell(v):
    return f"{statistics.median(v):10.1f} ({min(v):6.1f}-{max(v):6.1f})" if v else f"{'-':>26}"
keys = list(dict.fromkeys(k for r in old + new for k in r))
print(f"{'figure':<23} {'old':>26} {'new':>26} {'new/old':>8} {'paired new/old':>22}")
for k in keys:
    o = [r[k] for r in old if k in r]; n = [r[k] for r in new if k in r]
    ratio = paired = ""
    if not (k.startswith("load") or k.startswith("fma")) and o and n:
        ratio = f"{statistics.median(n) / statistics.median(o):8.2f}"
        p = [b / a for a, b in zip(o, n) if a > 0]
        paired = f"{statistics.median(p):8.2f} ({min(p):.2f}-{max(p):.2f})" if p else ""
    print(f"{k:<23} {cell(o)} {cell(n)} {ratio} {paired}")
print("loads before each run (1/5/15 min):")
print(open(f"{out}/loads.txt").read().rstrip())
print(f"runs kept in {out}")
EOF
