#!/usr/bin/env bash
# bench/compare.sh: gradgraph's MNIST training step side by side with PyTorch
# and gorgonia, in one run on one machine.
#
#   bash bench/compare.sh [--batch 128[,1024...]] [--dtype float32[,float64]]
#                         [--rule sgd] [--steps 200] [--rounds 5]
#                         [--wait-idle SECONDS] [--rev REV] [--json FILE]
#                         [--model mlp|lenet|conv3x3]
#
# --batch and --dtype take comma-separated lists: every combination is a
# configuration of its own, measured in turn as below, and a last table puts
# the ratios of all of them side by side (e.g. --batch 128,1024 --dtype
# float32,float64). The header names the CPU and the instruction sets that
# matter here (AVX2, FMA, AVX-512 F/VL/BW/DQ/VNNI/BF16) and the kernels
# blas.Native runs on them.
#
# --model names what is timed: mlp (784-256-128-10, the default), lenet
# (the CNN of models/lenet, 16c5-p2-32c5-p2-128-84-10 with dropout 0.25; its
# --rule defaults to adam) or conv3x3 (one 3x3 64->64 convolution, pad 1, on
# 32x32 images, forward and backward without an update; its --batch
# defaults to 32). gorgonia is timed for mlp only (its graph is the MLP),
# and the table says so. To add a model: `gradgraph bench --model NAME`, a
# MODELS entry in bench/pytorch_step.py, then NAME in `models` below;
# compare.sh passes --model to both and labels its tables with it.
#
# It builds `gradgraph` once in the default build (blas.Native: AVX-512 or AVX2/FMA kernels)
# and once with -tags openblas (skipped, with a note, when that does not build,
# e.g. without libopenblas-dev), finds a Python that can import torch
# ($PYTHON, /usr/bin/python3, python3; skipped with a note when none), then
# runs `rounds` rounds; each round runs every contestant once, in an order
# rotated from round to round so that slow spells of a shared machine fall on
# each of them alike:
#   - gradgraph bench --json                 (ours, and gorgonia in the same process
#                                             at batches up to 128)
#   - gradgraph-openblas bench --json --peer=false
#   - bench/pytorch_step.py                  (torch threads 1, 2 and as installed)
# Each run reports the median ms of `steps` individually timed steps after a
# warm-up; the table shows the median over rounds of those medians (and the
# fastest and slowest round), allocations per step, and the ratios the
# project's targets are stated in. The load average is printed before each
# round, and so is the share of CPU time used in the second before it (by
# other processes, since none of ours runs then): other work on the machine
# makes every number slower and noisier.
# With --wait-idle S, each round first waits (at most S seconds) for a second
# in which other processes use under 20% of the CPUs. --rev REV builds the Go
# code of a git revision (e.g. HEAD: `git archive` into a temporary directory)
# instead of the working tree, so that uncommitted work of others does not
# leak into the numbers. --json FILE also writes the summary as JSON.
set -euo pipefail

cd "$(dirname "$0")/.."

batch= dtype=float32 rule= steps=200 rounds=5 json_out= wait_idle=0 rev= model=mlp
# The networks both sides can time (see --model above).
models=(mlp lenet conv3x3)
while [ $# -gt 0 ]; do
	case "$1" in
	--model) model=$2; shift 2 ;;
	--batch) batch=$2; shift 2 ;;
	--dtype) dtype=$2; shift 2 ;;
	--rule) rule=$2; shift 2 ;;
	--steps) steps=$2; shift 2 ;;
	--rounds) rounds=$2; shift 2 ;;
	--json) json_out=$2; shift 2 ;;
	--wait-idle) wait_idle=$2; shift 2 ;;
	--rev) rev=$2; shift 2 ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

case " ${models[*]} " in
*" $model "*) ;;
*) echo "compare.sh: --model $model: not one of ${models[*]} (see --help for the hook)" >&2; exit 2 ;;
esac
# Each model's defaults: the settings its targets are stated in.
case "$model" in
lenet) : "${batch:=128}" "${rule:=adam}" ;;
conv3x3) : "${batch:=32}" "${rule:=sgd}" ;;
*) : "${batch:=128}" "${rule:=sgd}" ;;
esac
IFS=, read -r -a batches <<<"$batch"
IFS=, read -r -a dtypes <<<"$dtype"
for b in "${batches[@]}"; do
	case "$b" in '' | *[!0-9]*) echo "compare.sh: --batch $batch: want positive integers" >&2; exit 2 ;; esac
done
for d in "${dtypes[@]}"; do
	case "$d" in float32 | float64) ;; *) echo "compare.sh: --dtype $dtype: want float32 and/or float64" >&2; exit 2 ;; esac
done

# The machine: CPU model and the instruction sets that matter here.
cpu_model=$(grep -m1 '^model name' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*: *//' || true)
cpu_fm=$(awk -F': *' '/^cpu family/ && !f { f = $2 } /^model[ \t]*:/ && !m { m = $2 } END { if (f != "") printf "family %s model %s", f, m }' /proc/cpuinfo 2>/dev/null || true)
[ -n "$cpu_fm" ] && cpu_model="${cpu_model:-unknown} ($cpu_fm)"
cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sed 's/^[^:]*://' || true) "
isa=()
for f in avx2 fma avx512f avx512vl avx512bw avx512dq avx512_vnni avx512_bf16; do
	case "$cpu_flags" in *" $f "*) isa+=("$f") ;; esac
done
case "$cpu_flags" in
*" avx512f "*" avx512vl "* | *" avx512vl "*" avx512f "*) kernels="AVX-512 (12x32 float32, 12x16 float64 ZMM tiles)" ;;
*" avx2 "*" fma "* | *" fma "*" avx2 "*) kernels="AVX2/FMA (6x16 float32, 6x8 float64 YMM tiles)" ;;
*) kernels="portable Go (gonum is the default then)" ;;
esac
echo "== CPU: ${cpu_model:-unknown}, $(nproc) CPUs; instruction sets: ${isa[*]:-none of AVX2/AVX-512}; blas.Native kernels: $kernels" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/gradgraph-compare.XXXXXX")
bin=$work
trap 'rm -rf "$bin"' EXIT
notes=()

src=.
if head=$(git rev-parse --short HEAD 2>/dev/null); then
	built_from="working tree of $head"
else
	built_from="source directory (not a git checkout)"
fi
if [ -n "$rev" ]; then
	src="$work/src"
	mkdir -p "$src"
	git archive "$rev" | tar -x -C "$src"
	built_from="$rev = $(git rev-parse --short "$rev")"
elif [ -n "$(git status --porcelain --untracked-files=no -- '*.go' '*.s' go.mod go.sum 2>/dev/null)" ]; then
	built_from="$built_from + uncommitted changes to Go files"
fi
notes+=("built from the $built_from")

echo "== building gradgraph (default build) from the $built_from" >&2
(cd "$src" && go build -o "$work/gradgraph" ./cmd/gradgraph)

have_ob=0
echo "== building gradgraph -tags openblas" >&2
if (cd "$src" && go build -tags openblas -o "$work/gradgraph-openblas" ./cmd/gradgraph) 2>"$work/ob-build.log"; then
	have_ob=1
else
	why=$(head -n 3 "$work/ob-build.log" | tr '\n' ' ')
	if ! dpkg -s libopenblas-dev >/dev/null 2>&1 && [ ! -e /usr/include/cblas.h ] && [ ! -e /usr/include/x86_64-linux-gnu/cblas.h ]; then
		why="libopenblas-dev is not installed (apt-get install libopenblas-dev); $why"
	fi
	notes+=("OpenBLAS build skipped: $why")
fi

py=
for cand in "${PYTHON:-}" /usr/bin/python3 python3 python; do
	[ -n "$cand" ] || continue
	command -v "$cand" >/dev/null 2>&1 || continue
	if "$cand" -c 'import torch' >/dev/null 2>&1; then
		py=$cand
		break
	fi
done
if [ -z "$py" ]; then
	notes+=("PyTorch skipped: no Python on this machine imports torch (tried \$PYTHON, /usr/bin/python3, python3, python; Debian: apt-get install python3-torch)")
fi
# Any Python will do to tabulate the JSON.
agg=$py
if [ -z "$agg" ]; then
	for cand in /usr/bin/python3 python3; do
		if command -v "$cand" >/dev/null 2>&1; then agg=$cand; break; fi
	done
fi

contestants=(gg)
[ "$have_ob" = 1 ] && contestants+=(ob)
[ -n "$py" ] && contestants+=(torch)
n=${#contestants[@]}

run() { # run CONTESTANT ROUND; a failed run is noted and leaves no JSON
	local batch=$cfg_batch dtype=$cfg_dtype
	# gorgonia only at batch 128, the target's: at 1024 its step takes
	# ~0.3 s, and its 50 steps would make a round minutes long.
	local peer=false
	[ "$batch" -le 128 ] && [ "$model" = mlp ] && peer=true
	local out="$work/$1.$2.json" st=0
	case "$1" in
	gg) "$bin/gradgraph" bench --json --model "$model" --peer="$peer" --batch "$batch" --dtype "$dtype" --rule "$rule" --steps "$steps" >"$out" 2>"$work/err" || st=$? ;;
	ob) "$bin/gradgraph-openblas" bench --json --model "$model" --peer=false --batch "$batch" --dtype "$dtype" --rule "$rule" --steps "$steps" >"$out" 2>"$work/err" || st=$? ;;
	torch) "$py" bench/pytorch_step.py --model "$model" --batch "$batch" --dtype "$dtype" --rule "$rule" --steps "$steps" >"$out" 2>"$work/err" || st=$? ;;
	esac
	if [ "$st" != 0 ]; then
		rm -f "$out"
		echo "run $1 in round $2 failed (exit status $st): $(grep -m1 -E 'fatal|panic|rror' "$work/err" || head -n1 "$work/err")" >>"$work/failures"
		echo "   $1 FAILED (exit status $st); see the notes" >&2
	fi
}

busy() { # percent of all CPUs' time spent busy over the next second
	local a b
	read -r -a a < <(grep '^cpu ' /proc/stat)
	sleep 1
	read -r -a b < <(grep '^cpu ' /proc/stat)
	local tot=0 i
	for ((i = 1; i < ${#a[@]}; i++)); do tot=$((tot + b[i] - a[i])); done
	local idle=$((b[4] - a[4] + b[5] - a[5]))
	[ "$tot" -gt 0 ] || tot=1
	echo $((100 * (tot - idle) / tot))
}

measure() { # measure BATCH DTYPE: the rounds of one configuration, in $work/BATCH.DTYPE
cfg_batch=$1 cfg_dtype=$2
local top=$work
work=$work/$1.$2
mkdir -p "$work"
cp "$top/notes" "$work/notes"
local start r b waited l1 l5 l15 order i c elapsed
start=$(date +%s)
for ((r = 1; r <= rounds; r++)); do
	b=$(busy)
	waited=0
	while [ "$b" -ge 20 ] && [ "$waited" -lt "$wait_idle" ]; do
		b=$(busy)
		waited=$((waited + 1))
	done
	read -r l1 l5 l15 _ </proc/loadavg
	echo "$l1 $l5 $l15 $b" >"$work/load.$r"
	order=()
	for ((i = 0; i < n; i++)); do order+=("${contestants[$(((i + r - 1) % n))]}"); done
	echo "== $model, batch $cfg_batch, $cfg_dtype: round $r/$rounds (load average $l1 $l5 $l15, CPUs ${b}% busy in the last second): ${order[*]}" >&2
	for c in "${order[@]}"; do run "$c" "$r"; done
done
read -r l1 l5 l15 _ </proc/loadavg
echo "$l1 $l5 $l15" >"$work/load.end"
elapsed=$(($(date +%s) - start))

if [ -z "$agg" ]; then
	echo "no Python to tabulate the results; raw JSON:"
	for f in "$work"/*.json; do echo "-- $(basename "$f")"; cat "$f"; done
	work=$top
	return 0
fi

[ -f "$work/failures" ] && cat "$work/failures" >>"$work/notes"

"$agg" - "$work" "$rounds" "$cfg_batch" "$cfg_dtype" "$rule" "$steps" "$elapsed" "$work/summary.json" "$model" <<'PY'
import json, os, statistics, sys

work, rounds, batch, dtype, rule, steps, elapsed, json_out, model = sys.argv[1:10]
rounds = int(rounds)


def load(c):
    out = []
    for r in range(1, rounds + 1):
        p = os.path.join(work, f"{c}.{r}.json")
        try:
            with open(p) as f:
                out.append(json.load(f))
        except (OSError, ValueError):
            out.append(None)
    return out


def get(d, *keys):
    for k in keys:
        if d is None:
            return None
        d = d.get(k)
    return d


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


gg, ob, th = load("gg"), load("ob"), load("torch")
first = lambda ds: next((d for d in ds if d), None)
g0, o0, t0 = first(gg), first(ob), first(th)

# Per-round medians of each contestant.
series = {}  # key -> (label, per-round ms, allocs/step, note)
if g0:
    series["gg"] = ("gradgraph (default build)", [get(d, "ms_per_step") for d in gg],
                    med([get(d, "allocs_per_step") for d in gg]), g0["blas"])
if o0:
    series["ob"] = ("gradgraph -tags openblas", [get(d, "ms_per_step") for d in ob],
                    med([get(d, "allocs_per_step") for d in ob]), o0["blas"])
if g0 and "gorgonia" in g0:
    series["gorgonia"] = ("gorgonia (same process)", [get(d, "gorgonia", "ms_per_step") for d in gg],
                          med([get(d, "gorgonia", "allocs_per_step") for d in gg]), g0["gorgonia"]["solver"])
torch_best = best_setting = None
torch_best_round = [None] * rounds
if t0:
    for s in t0["threads"]:
        series["torch" + s] = (f"PyTorch {t0['torch']}, {s} thread" + ("" if s == "1" else "s"),
                               [get(d, "threads", s) for d in th], None,
                               f"torch and OpenBLAS threads = {s}" if t0.get("openblas_threads_set")
                               else f"torch threads = {s}")
    series["torchdefault"] = (f"PyTorch {t0['torch']}, as installed", [get(d, "default_ms") for d in th], None,
                              f"torch threads {t0['default_threads']}, OpenBLAS threads {t0.get('openblas_default_threads')}")
    # PyTorch's best: the setting with the lowest median over rounds.
    cands = {k: med(v[1]) for k, v in series.items() if k.startswith("torch") and med(v[1]) is not None}
    if cands:
        best_key = min(cands, key=cands.get)
        torch_best, best_setting = cands[best_key], best_key[len("torch"):]
        torch_best_round = [get(d, "best_ms") for d in th]

loads = []
for r in list(range(1, rounds + 1)) + ["end"]:
    with open(os.path.join(work, f"load.{r}")) as f:
        loads.append(f.read().split())

print()
what = {"mlp": "MNIST mlp (784-256-128-10) training step", "lenet": "MNIST lenet CNN (16c5-p2-32c5-p2-128-84-10, "
        "dropout 0.25) training step", "conv3x3": "conv3x3 layer (64->64, pad 1, 32x32) forward + backward"}[model]
upd = "no update" if model == "conv3x3" else rule
print(f"{what}: batch {batch}, {dtype}, {upd}; median of {steps} "
      f"timed steps per run; {rounds} interleaved rounds in {elapsed} s")
print("load average (1 min) before each round and at the end: " + ", ".join(l[0] for l in loads)
      + f" ({os.cpu_count()} CPUs)")
print("CPU busy in the second before each round: " + ", ".join(l[3] + "%" for l in loads[:-1]))
print()
fmt = "{:<32} {:>10} {:>9} {:>9} {:>12}  {}"
print(fmt.format("", "median ms", "min ms", "max ms", "allocs/step", ""))
for key, (label, ms, allocs, note) in series.items():
    xs = [x for x in ms if x is not None]
    if not xs:
        continue
    a = "" if allocs is None else f"{allocs:.2f}"
    print(fmt.format(label, f"{statistics.median(xs):.3f}", f"{min(xs):.3f}", f"{max(xs):.3f}", a, note))
if torch_best is not None:
    print(f"PyTorch best: the '{best_setting}' setting, {torch_best:.3f} ms")
if model != "mlp":
    print(f"gorgonia: not timed for {model} (its peer graph is the MLP only)")

summary = {"model": model, "batch": int(batch), "dtype": dtype, "rule": rule, "steps": int(steps), "rounds": rounds,
           "load_1min": [float(l[0]) for l in loads], "busy_pct_before_round": [int(l[3]) for l in loads[:-1]],
           "ms": {k: med(v[1]) for k, v in series.items()},
           "per_round_ms": {k: v[1] for k, v in series.items()},
           "allocs_per_step": {k: v[2] for k, v in series.items() if v[2] is not None},
           "torch": t0 and t0["torch"], "torch_best_ms": torch_best, "torch_best_setting": best_setting,
           "ratios": {}}

print()
print("medians: ratio of the medians above; rounds: median of the per-round ratios (runs next to each other)")
print("{:<40} {:>8} {:>8}  {:<30} {:>9}".format("ratio (time / time; lower is faster)", "medians", "rounds", "per round", "target"))


def ratio(key, label, num, den, target):
    if num not in series or (den != "torchbest" and den not in series) or (den == "torchbest" and torch_best is None):
        return
    n_ms, n_round = med(series[num][1]), series[num][1]
    if den == "torchbest":
        d_ms, d_round = torch_best, torch_best_round
    else:
        d_ms, d_round = med(series[den][1]), series[den][1]
    r = n_ms / d_ms
    pr = [a / b for a, b in zip(n_round, d_round) if a and b]
    mr = statistics.median(pr) if pr else float("nan")
    if target is None:
        verdict, tt = "", "-"
    else:
        verdict = "met" if r <= target and mr <= target else "NOT met" if r > target and mr > target else "borderline"
        tt = f"<= {target:.3g}"
    print("{:<40} {:>8.3f} {:>8.3f}  {:<30} {:>9} {}".format(label, r, mr, " ".join(f"{x:.2f}" for x in pr),
                                                             tt, verdict))
    summary["ratios"][key] = {"of_medians": r, "median_of_rounds": mr, "per_round": pr, "target": target,
                              "verdict": verdict}


ratio("gradgraph/pytorch", "gradgraph / PyTorch best", "gg", "torchbest", 1.0)
# The OpenBLAS build's target is the MLP's; the CNNs have none.
ratio("gradgraph_openblas/pytorch", "gradgraph -tags openblas / PyTorch best", "ob", "torchbest", 0.65 if model == "mlp" else None)
ratio("gradgraph/gorgonia", "gradgraph / gorgonia", "gg", "gorgonia", 1 / 8)
print()
if "gg" in series and model != "conv3x3":
    a = series["gg"][2]
    print(f"heap allocations per step, gradgraph (mean over the timed steps): {a:.3f}; "
          f"target 0: {'met' if a == 0 else 'met in whole allocations (go test would print 0 allocs/op), not strictly' if a < 1 else 'NOT met'}")
    # An epoch is the 60 000 training images, the last batch partial.
    epoch_steps = -(-60000 // int(batch))
    ep = epoch_steps * med(series["gg"][1]) / 1000
    summary["epoch_s"] = ep
    target = " ; target <= 2 s: " + ("met" if ep <= 2 else "NOT met") if int(batch) == 128 and model == "mlp" else ""
    print(f"MNIST epoch ({epoch_steps} steps of batch {batch}) at this rate, default build: {ep:.2f} s{target}")
    if "ob" in series:
        summary["epoch_s_openblas"] = epoch_steps * med(series["ob"][1]) / 1000
        print(f"  -tags openblas: {summary['epoch_s_openblas']:.2f} s")
with open(os.path.join(work, "notes")) as f:
    notes = [l.strip() for l in f if l.strip()]
if max(int(l[3]) for l in loads[:-1]) >= 20:
    notes.append("other processes were using the machine (see load and CPU busy above); "
                 "rerun when it is idle, or with --wait-idle 120, for firmer numbers")
spread = [k for k, v in series.items() if len([x for x in v[1] if x]) > 1
          and max(x for x in v[1] if x) > 1.5 * min(x for x in v[1] if x)]
if spread:
    notes.append("rounds differ by more than 1.5x for " + ", ".join(series[k][0] for k in spread)
                 + ": something else ran during those rounds; the medians discount it, the extremes do not")
for n in notes:
    print("note: " + n)
summary["notes"] = notes
if json_out:
    with open(json_out, "w") as f:
        json.dump(summary, f, indent=1)
PY
work=$top
}

printf '%s\n' "${notes[@]+"${notes[@]}"}" >"$work/notes"
for b in "${batches[@]}"; do
	for d in "${dtypes[@]}"; do
		measure "$b" "$d"
	done
done

# With more than one configuration (or --json), one table of them all.
[ -n "$agg" ] || exit 0
"$agg" - "$work" "$json_out" "$model" "$rule" "${cpu_model:-unknown}" "${isa[*]:-}" "$kernels" "${batches[*]}" "${dtypes[*]}" <<'PY'
import json, os, sys

work, json_out, model, rule, cpu, isa, kernels, batches, dtypes = sys.argv[1:10]
rows = []
for b in batches.split():
    for d in dtypes.split():
        try:
            with open(os.path.join(work, f"{b}.{d}", "summary.json")) as f:
                rows.append(json.load(f))
        except (OSError, ValueError):
            pass
if len(rows) > 1:
    print()
    print(f"== all configurations: {model}, {rule}; CPU {cpu}; {isa or 'no AVX2/AVX-512'}; blas.Native: {kernels}")
    fmt = "{:<18} {:>10} {:>10} {:>10} {:>18} {:>18} {:>12}"
    print(fmt.format("batch, dtype", "ours ms", "openblas", "PyTorch", "ours / PyTorch", "openblas / PyTorch", "/ gorgonia"))
    for s in rows:
        ms, r = s["ms"], s["ratios"]
        f = lambda x: "-" if x is None else f"{x:.3f}"
        rr = lambda k: "-" if k not in r else f"{r[k]['of_medians']:.2f} ({r[k]['median_of_rounds']:.2f})"
        print(fmt.format(f"{s['batch']}, {s['dtype']}", f(ms.get("gg")), f(ms.get("ob")), f(s.get("torch_best_ms")),
                         rr("gradgraph/pytorch"), rr("gradgraph_openblas/pytorch"), rr("gradgraph/gorgonia")))
    print("ratios: of the medians (median of the per-round ratios); lower is faster")
if json_out:
    out = {"cpu": cpu, "isa": isa.split(), "native_kernels": kernels, "configs": rows}
    if len(rows) == 1:
        out.update(rows[0])
    with open(json_out, "w") as f:
        json.dump(out, f, indent=1)
PY