package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/gradgraph/gradgraph/train"
)

// What `gradgraph train` does alike for the MLP (train.go) and for every
// registered model (models.go): resume, show progress, word a failed run.

// resumable is a train.Loop or a train.Trainer.
type resumable interface {
	Resume(path string) error
	Epoch() int
}

// resumeFrom continues r from the checkpoint at path (--resume) when the
// file exists, and says so unless quiet. dataFlag names the flags that
// choose the data, for a checkpoint of other data.
func resumeFrom(r resumable, path string, epochs int, dataFlag string, quiet bool, stdout io.Writer) error {
	if _, err := os.Stat(path); err != nil {
		if !quiet {
			fmt.Fprintf(stdout, "no checkpoint at %s yet: starting from scratch\n", path)
		}
		return nil
	}
	if err := r.Resume(path); err != nil {
		return resumeErr(err, dataFlag)
	}
	if epochs < r.Epoch() {
		return usageErr("--epochs: %d, but the checkpoint %s has %d epochs complete already", epochs, path, r.Epoch())
	}
	if !quiet {
		fmt.Fprintf(stdout, "resumed from %s after epoch %d\n", path, r.Epoch())
	}
	return nil
}

// progress keeps the loss of every batch (for --plot) and, when show is
// set, draws a progress bar of the epoch on stdout.
type progress struct {
	stdout io.Writer
	show   bool
	epochs int
	bar    *progressbar.ProgressBar
	// batchLoss is the loss of every batch so far, batches the number of
	// batches in an epoch.
	batchLoss []float64
	batches   int
}

// batch is the OnBatch callback.
func (p *progress) batch(b train.Progress) {
	p.batches = b.Batches
	p.batchLoss = append(p.batchLoss, b.Loss)
	if !p.show {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(b.Batches, progressbar.OptionSetWriter(p.stdout),
			progressbar.OptionSetDescription(fmt.Sprintf("epoch %d/%d", b.Epoch, p.epochs)),
			progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30))
	}
	if b.Batch%20 == 0 {
		p.bar.Describe(fmt.Sprintf("epoch %d/%d loss %.4f", b.Epoch, p.epochs, b.Loss))
	}
	_ = p.bar.Set(b.Batch)
}

// endEpoch clears the bar before the epoch's line is printed.
func (p *progress) endEpoch() {
	if p.bar != nil {
		_ = p.bar.Finish()
		p.bar = nil
	}
}

// stop leaves the bar of an epoch that did not end.
func (p *progress) stop() {
	if p.bar != nil {
		_ = p.bar.Exit()
		p.bar = nil
	}
}

// runFailed words the error that stopped a run after epoch complete
// epochs: an interrupt (Ctrl-C) or the run's own error, with the
// checkpoint that keeps the last good state.
func runFailed(err error, checkpoint string, epoch int) error {
	kept := ""
	if checkpoint != "" && epoch > 0 {
		kept = fmt.Sprintf("; %s keeps the state after epoch %d", checkpoint, epoch)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("interrupted in epoch %d%s", epoch+1, kept)
	}
	return fmt.Errorf("%w%s", err, kept)
}
