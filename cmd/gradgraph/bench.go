package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/blas"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/benchstep"
	"github.com/gradgraph/gradgraph/models/lenet"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/solvers"
)

func init() {
	register("bench", "time the MNIST training step, side by side with gorgonia", benchCmd)
}

// maxBenchSteps bounds --steps: the time of every step is kept.
const maxBenchSteps = 1_000_000

func benchCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench", "[--model mlp] [--layers 256,128] [--batch 128] [--dtype float32] [--rule sgd] [--steps 200] [--peer] [--json]", stdout)
	model := fs.String("model", "mlp", "what to time: mlp (784-…-10), lenet (the CNN of models/lenet, no gorgonia peer), conv3x3 (one 3×3 64→64 convolution on 32×32, forward and backward, no update)")
	layers := fs.String("layers", "256,128", "hidden layer sizes of the network 784-…-10")
	batch := fs.Int("batch", 128, "mini-batch size M")
	dtype := fs.String("dtype", "float32", "float32 or float64")
	ruleName := fs.String("rule", "sgd", "update rule")
	steps := fs.Int("steps", 200, "timed steps (after a warm-up of steps/10, at least 5)")
	withPeer := fs.Bool("peer", true, "also time gorgonia's step in the same run")
	asJSON := fs.Bool("json", false, "print one JSON document")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dt, err := parseDtype(*dtype)
	if err != nil {
		return err
	}
	if *batch <= 0 {
		return usageErr("--batch: %d, want > 0", *batch)
	}
	if *steps <= 0 || *steps > maxBenchSteps {
		return usageErr("--steps: %d, want 1 to %d", *steps, maxBenchSteps)
	}
	switch *model {
	case "mlp":
	case "lenet", "conv3x3":
		// The MLP's own flags mean nothing here: refuse them rather
		// than time something else than asked.
		var mlpOnly error
		fs.Visit(func(f *flag.Flag) {
			if mlpOnly == nil && (f.Name == "layers" || f.Name == "peer" && f.Value.String() == "true") {
				mlpOnly = usageErr("--%s: only for --model mlp, not %s", f.Name, *model)
			}
		})
		if mlpOnly != nil {
			return mlpOnly
		}
		if *model == "conv3x3" && *ruleName != "sgd" {
			return usageErr("--rule: --model conv3x3 times no update")
		}
		return benchCNN(*model, dt, *batch, *ruleName, *steps, *asJSON, stdout)
	default:
		return usageErr("--model: %q, want mlp, lenet or conv3x3", *model)
	}
	hidden, err := parseLayers(*layers)
	if err != nil {
		return err
	}
	sizes := append(append([]int{784}, hidden...), 10)
	if err := mlp.CheckSizes(sizes, 0); err != nil {
		return usageErr("--layers: %v", strings.TrimPrefix(err.Error(), "mlp: "))
	}
	if err := mlp.CheckSizes(sizes, *batch); err != nil {
		return usageErr("--batch: %v", strings.TrimPrefix(err.Error(), "mlp: "))
	}
	rule, err := solvers.NewRule(*ruleName, nil)
	if err != nil {
		return flagErr(err)
	}
	s, err := solvers.New(rule, solvers.Schedule{})
	if err != nil {
		return flagErr(err)
	}
	warmup := max(5, *steps/10)
	ours, planned, err := benchstep.OursOf(sizes, dt, *batch, s)
	if err != nil {
		return err
	}
	res, err := benchstep.Time(ours, warmup, *steps)
	if err != nil {
		return err
	}
	out := map[string]any{
		"ms_per_step": res.MsPerStep, "steps": res.Steps, "allocs_per_step": res.AllocsPerStep,
		"bytes_per_step": res.BytesPerStep, "batch": *batch, "dtype": dt.String(), "rule": rule.Name(),
		"network": sizesText(sizes) + " relu/softmax/cross_entropy", "blas": fmt.Sprintf("%T", blas.Current()),
		"gomaxprocs": runtime.GOMAXPROCS(0), "planned_bytes": planned,
	}
	var peer benchstep.Result
	var peerName string
	if *withPeer {
		step, name, err := benchstep.GorgoniaOf(sizes, dt, *batch, rule)
		if err != nil {
			return err
		}
		if peer, err = benchstep.Time(step, warmup, max(10, *steps/4)); err != nil {
			return err
		}
		peerName = name
		out["gorgonia"] = map[string]any{"ms_per_step": peer.MsPerStep, "steps": peer.Steps,
			"allocs_per_step": peer.AllocsPerStep, "bytes_per_step": peer.BytesPerStep, "solver": name}
		out["speedup_vs_gorgonia"] = peer.MsPerStep / res.MsPerStep
	}
	if *asJSON {
		return writeJSON(stdout, out)
	}
	fmt.Fprintf(stdout, "training step of %s (ReLU, softmax, cross-entropy), batch %d, %s, %s, GOMAXPROCS %d\n",
		sizesText(sizes), *batch, dt, rule.Name(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "planned memory for intermediate values: %.1f MB\n\n", float64(planned)/1e6)
	fmt.Fprintf(stdout, "%-10s %12s %8s %14s  %s\n", "", "median ms", "steps", "allocs/step", "")
	fmt.Fprintf(stdout, "%-10s %12.3f %8d %14.1f  %T\n", "gradgraph", res.MsPerStep, res.Steps, res.AllocsPerStep, blas.Current())
	if *withPeer {
		fmt.Fprintf(stdout, "%-10s %12.3f %8d %14.1f  %s\n", "gorgonia", peer.MsPerStep, peer.Steps, peer.AllocsPerStep, peerName)
		fmt.Fprintf(stdout, "\ngradgraph takes %.2fx the time of gorgonia (%.1fx faster)\n", res.MsPerStep/peer.MsPerStep, peer.MsPerStep/res.MsPerStep)
	}
	return nil
}

// sizesText writes layer sizes as "784-256-128-10".
func sizesText(sizes []int) string {
	parts := make([]string, len(sizes))
	for i, n := range sizes {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, "-")
}

// maxCNNBatch bounds --batch of the CNN benchmarks: LeNet's first
// activations hold 9216 values an image, the 3×3 layer's 65536.
const maxCNNBatch = 4096

// benchCNN times `bench --model lenet` (a training step with the update)
// or `--model conv3x3` (one layer's forward and backward), without a
// gorgonia peer: gorgonia's graph here is the MLP only.
func benchCNN(model string, dt tensor.Dtype, batch int, ruleName string, steps int, asJSON bool, stdout io.Writer) error {
	if batch > maxCNNBatch {
		return usageErr("--batch: %d, want at most %d for --model %s", batch, maxCNNBatch, model)
	}
	gdt := graph.Float32
	if dt == tensor.Float64 {
		gdt = graph.Float64
	}
	var step func() error
	var planned int64
	var network, rule string
	var err error
	if model == "lenet" {
		r, err := solvers.NewRule(ruleName, nil)
		if err != nil {
			return flagErr(err)
		}
		s, err := solvers.New(r, solvers.Schedule{})
		if err != nil {
			return flagErr(err)
		}
		rule = r.Name()
		network = "lenet " + lenet.Config{}.Describe() + fmt.Sprintf(" dropout %g, softmax cross-entropy", benchstep.LeNetDropout)
		step, planned, err = benchstep.LeNet(gdt, batch, s)
		if err != nil {
			return err
		}
	} else {
		rule = "none"
		network = fmt.Sprintf("conv 3x3 %d->%d pad 1 on %dx%d, forward + backward (x, w, b gradients)",
			benchstep.Conv3x3Channels, benchstep.Conv3x3Channels, benchstep.Conv3x3Side, benchstep.Conv3x3Side)
		if step, planned, err = benchstep.ConvLayer(gdt, batch); err != nil {
			return err
		}
	}
	res, err := benchstep.Time(step, max(5, steps/10), steps)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(stdout, map[string]any{
			"ms_per_step": res.MsPerStep, "steps": res.Steps, "allocs_per_step": res.AllocsPerStep,
			"bytes_per_step": res.BytesPerStep, "batch": batch, "dtype": dt.String(), "rule": rule, "model": model,
			"network": network, "blas": fmt.Sprintf("%T", blas.Current()), "gomaxprocs": runtime.GOMAXPROCS(0),
			"planned_bytes": planned,
		})
	}
	fmt.Fprintf(stdout, "%s, batch %d, %s, update %s, GOMAXPROCS %d\n", network, batch, dt, rule, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "planned memory for intermediate values: %.1f MB\n\n", float64(planned)/1e6)
	fmt.Fprintf(stdout, "%-10s %12s %8s %14s  %s\n", "", "median ms", "steps", "allocs/step", "")
	fmt.Fprintf(stdout, "%-10s %12.3f %8d %14.1f  %T\n", "gradgraph", res.MsPerStep, res.Steps, res.AllocsPerStep, blas.Current())
	return nil
}
