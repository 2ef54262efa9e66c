package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// genFlags are the flags that the runners of the generative models (the
// LSTM language model and the VAE) share: the loop's, the optimiser's
// learning rate and the run's outputs.
type genFlags struct {
	name                               string // "lstm", for messages
	epochs, batch                      int
	seed                               uint64
	eta, decay                         float64
	dtype                              string
	plot, checkpoint                   string
	resume, asJSON, progress, dropLast bool
}

// add defines the shared flags on fs with the model's defaults.
func (f *genFlags) add(fs *flagSet, epochs, batch int, eta, decay float64) {
	fs.IntVar(&f.epochs, "epochs", epochs, "number of epochs")
	fs.IntVar(&f.batch, "batch", batch, "mini-batch size")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the initial weights, the shuffling and the model's random draws")
	fs.Float64Var(&f.eta, "eta", eta, "Adam's learning rate η")
	fs.Float64Var(&f.decay, "decay", decay, "η decays as η·exp(−decay·k) over the k-th step (0: constant)")
	fs.StringVar(&f.dtype, "dtype", "float32", "float32 or float64")
	fs.BoolVar(&f.dropLast, "drop-last", false, "skip the shorter last batch of each epoch")
	fs.StringVar(&f.plot, "plot", "", "write the training curves to this PNG `file`")
	fs.StringVar(&f.checkpoint, "checkpoint", "", "write a checkpoint to this `file` at the end of every epoch")
	fs.BoolVar(&f.resume, "resume", false, "continue from --checkpoint if it exists")
	fs.BoolVar(&f.asJSON, "json", false, "print one JSON summary instead of the per-epoch lines")
	fs.BoolVar(&f.progress, "progress", true, "show a progress bar while an epoch runs (only when stdout is a terminal)")
}

// check validates the shared flags and the output files (the shared ones
// and the model's, flag name and path each), and takes the checkpoint's
// lock; the caller calls unlock when the run ends.
func (f *genFlags) check(outputs ...[2]string) (dt graph.DType, unlock func(), err error) {
	td, err := parseDtype(f.dtype)
	if err != nil {
		return 0, nil, err
	}
	dt, _ = graph.DTypeOf(td)
	switch {
	case f.batch <= 0:
		return 0, nil, usageErr("--batch: %d, want > 0", f.batch)
	case f.epochs <= 0:
		return 0, nil, usageErr("--epochs: %d, want > 0", f.epochs)
	case f.epochs > maxEpochs:
		return 0, nil, usageErr("--epochs: %d, more than the %d a run may have", f.epochs, maxEpochs)
	case !(f.eta > 0) || f.eta > 1:
		return 0, nil, usageErr("--eta: %g, want a learning rate in (0, 1]", f.eta)
	case !(f.decay >= 0) || f.decay > 1:
		return 0, nil, usageErr("--decay: %g, want a rate in [0, 1]", f.decay)
	case f.resume && f.checkpoint == "":
		return 0, nil, usageErr("--resume needs --checkpoint FILE")
	}
	outputs = append([][2]string{{"plot", f.plot}, {"checkpoint", f.checkpoint}}, outputs...)
	for i, out := range outputs {
		if err := checkWritable(out[0], out[1]); err != nil {
			return 0, nil, err
		}
		for _, other := range outputs[:i] {
			if sameFile(out[1], other[1]) {
				return 0, nil, usageErr("--%s and --%s name the same file %s", other[0], out[0], out[1])
			}
		}
	}
	unlock = func() {}
	if f.checkpoint != "" {
		// Two runs that write the same checkpoint would overwrite each
		// other's epochs: the second is refused while the first runs.
		if unlock, err = atomicfile.Lock(f.checkpoint); err != nil {
			return 0, nil, fmt.Errorf("--checkpoint: %v", err)
		}
	}
	return dt, unlock, nil
}

// solver returns Adam with the flags' learning rate and schedule.
func (f *genFlags) solver() (*solvers.Solver, string, error) {
	sched := solvers.ConstantSchedule()
	desc := fmt.Sprintf("adam η %g", f.eta)
	if f.decay > 0 {
		sched = solvers.ExponentialSchedule(f.decay)
		desc += fmt.Sprintf(" decaying as exp(−%g·step)", f.decay)
	}
	s, err := solvers.New(solvers.Adam{Eta: f.eta, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, sched)
	return s, desc, err
}

// settings are the shared flags that change a run's result besides those
// the trainer records itself (seed, batch, dtype, drop-last, the data),
// followed by the model's, by flag name: a checkpoint records them and
// --resume refuses one written with other values.
func (f *genFlags) settings(model ...train.Setting) []train.Setting {
	num := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	s := []train.Setting{{Name: "model", Value: f.name}, {Name: "eta", Value: num(f.eta)}, {Name: "decay", Value: num(f.decay)}}
	return append(s, model...)
}

// options returns the trainer's options.
func (f *genFlags) options(model ...train.Setting) train.Options {
	return train.Options{BatchSize: f.batch, Seed: f.seed, DropLast: f.dropLast, Checkpoint: f.checkpoint, Settings: f.settings(model...)}
}

// genRun is the record of a run: every batch's loss, the batches of an
// epoch, and the seconds spent in training.
type genRun struct {
	batchLoss []float64
	batches   int
	seconds   float64
}

// train resumes tr from --checkpoint when asked, then runs it to
// --epochs with a progress bar on a terminal, printing line(e) after each
// epoch (unless --json); Ctrl-C stops it, naming the last checkpointed
// epoch. dataFlags names the flags that choose the data, for a resume
// whose data differ.
func (f *genFlags) train(tr *train.Trainer, stdout io.Writer, dataFlags string, line func(train.EpochStats) string) (*genRun, error) {
	if f.resume {
		if _, err := os.Stat(f.checkpoint); err == nil {
			if err := tr.Resume(f.checkpoint); err != nil {
				return nil, genResumeErr(err, dataFlags)
			}
			if f.epochs < tr.Epoch() {
				return nil, usageErr("--epochs: %d, but the checkpoint %s has %d epochs complete already", f.epochs, f.checkpoint, tr.Epoch())
			}
			if !f.asJSON {
				fmt.Fprintf(stdout, "resumed from %s after epoch %d\n", f.checkpoint, tr.Epoch())
			}
		} else if !f.asJSON {
			fmt.Fprintf(stdout, "no checkpoint at %s yet: starting from scratch\n", f.checkpoint)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	showBar := f.progress && !f.asJSON && isTerminal(stdout)
	var bar *progressbar.ProgressBar
	run := &genRun{}
	tr.OnBatch = func(p train.Progress) {
		run.batches = p.Batches
		run.batchLoss = append(run.batchLoss, p.Loss)
		if !showBar {
			return
		}
		if bar == nil {
			bar = progressbar.NewOptions(p.Batches, progressbar.OptionSetWriter(stdout),
				progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", p.Epoch, f.epochs)),
				progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
				progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
				progressbar.OptionSetWidth(30))
		}
		if p.Batch%20 == 0 {
			bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f", p.Epoch, f.epochs, p.Loss))
		}
		_ = bar.Set(p.Batch)
	}
	tr.OnEpoch = func(e train.EpochStats) error {
		if bar != nil {
			_ = bar.Finish()
			bar = nil
		}
		if !f.asJSON {
			fmt.Fprintln(stdout, line(e))
		}
		return nil
	}
	start := time.Now()
	err := tr.Run(ctx, f.epochs)
	if bar != nil {
		_ = bar.Exit()
	}
	if err != nil {
		kept := ""
		if f.checkpoint != "" && tr.Epoch() > 0 {
			kept = fmt.Sprintf("; %s keeps the state after epoch %d", f.checkpoint, tr.Epoch())
		}
		if errors.Is(err, context.Canceled) {
			return nil, fmt.Errorf("interrupted in epoch %d%s", tr.Epoch()+1, kept)
		}
		return nil, fmt.Errorf("%w%s", err, kept)
	}
	run.seconds = time.Since(start).Seconds()
	return run, nil
}

// genResumeErr names the flag behind a setting that differs from the
// checkpoint's; dataFlags names the flags that choose the data.
func genResumeErr(err error, dataFlags string) error {
	var me *train.MismatchError
	if !errors.As(err, &me) {
		return err
	}
	switch me.Setting {
	case "train_data", "val_data":
		part := map[string]string{"train_data": "training", "val_data": "validation"}[me.Setting]
		return usageErr("%s: the %s data differ from those the checkpoint %s was written with", dataFlags, part, me.Path)
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
