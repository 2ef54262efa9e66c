#!/bin/sh
# gemm_table.sh [go test flags...]: runs BenchmarkGemm of package blas and
# prints, for each benchmark, the best GFLOP/s over the runs (-count), since
# on a shared machine other load only ever makes a run slower.
cd "$(dirname "$0")/.." || exit 1
go test -bench=Gemm -benchmem -run='^$' "$@" ./blas/ | tee /tmp/gemm_bench_raw.txt |
	awk '/^BenchmarkGemm/ { name=$1; sub(/^BenchmarkGemm\//, "", name); sub(/-[0-9]+$/, "", name);
		for (i = 2; i < NF; i++) if ($(i+1) == "GFLOP/s" && $i+0 > best[name]) best[name] = $i+0;
		if (!(name in seen)) { seen[name] = 1; order[++n] = name } }
		END { for (i = 1; i <= n; i++) printf "%-45s %8.1f\n", order[i], best[order[i]] }'
