package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/models/charlstm"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/train"
)

// The defaults of `gradgraph train --model lstm`: 2 MB of the Go
// distribution's source (a tenth of its files for validation), one LSTM
// layer of 256 units over windows of 64 bytes, two epochs of Adam from
// η = 0.01 decaying as exp(−3e-4·step) in batches of 16. Measured on 700
// kB for two epochs, batches of 16 at η = 0.01 did better (2.27 bits per
// character) than batches of 32 (2.32) or of 64 at 0.002 (2.5 and worse):
// more steps for the same work.
const (
	lstmBytes   = 2_000_000
	lstmEpochs  = 2
	lstmBatch   = 16
	lstmEta     = 0.01
	lstmDecay   = 3e-4
	lstmContext = 64
	lstmEmbed   = 64
	lstmHidden  = 256
	lstmPrompt  = `func (s *Server) `
)

type lstmFlags struct {
	genFlags
	source                         string
	bytes                          int
	val                            float64
	context, embed, hidden, layers int
	prompt                         string
	generate                       int
	temperature                    float64
	sampleSeed                     uint64
	sampleSeedSet                  bool
}

// lstmSummary is the one-line description of the lstm model for the
// --model registry.
//
// MERGE: register runLSTM with the --model registry of
// cmd/gradgraph/models.go (branch models-a), one line in its form, such as
//
//	registerModel("lstm", lstmSummary, runLSTM)
const lstmSummary = "a byte-level LSTM language model on the Go distribution's source"

// runLSTM is `gradgraph train --model lstm`: it trains the byte-level LSTM
// language model of package charlstm on the Go distribution's source,
// reports the validation bits per character of every epoch against the
// unigram baseline, and prints text generated from a prompt.
func runLSTM(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train --model lstm", "[flags]", stdout)
	f := lstmFlags{genFlags: genFlags{name: "lstm"}}
	f.add(fs, lstmEpochs, lstmBatch, lstmEta, lstmDecay)
	fs.StringVar(&f.source, "source", "", "`dir`ectory of Go source to read (default: $(go env GOROOT)/src)")
	fs.IntVar(&f.bytes, "bytes", lstmBytes, "read at most `n` bytes of source, whole files in sorted path order")
	fs.Float64Var(&f.val, "val", 0.1, "fraction of the files held out for validation, chosen by a hash of the seed and the path")
	fs.IntVar(&f.context, "context", lstmContext, "bytes a training window holds")
	fs.IntVar(&f.embed, "embed", lstmEmbed, "width of a byte's embedding")
	fs.IntVar(&f.hidden, "hidden", lstmHidden, "units of each LSTM layer")
	fs.IntVar(&f.layers, "layers", 1, "number of stacked LSTM layers")
	fs.StringVar(&f.prompt, "prompt", lstmPrompt, "text the generated text follows, with Go's escapes (\\n, \\t, …)")
	fs.IntVar(&f.generate, "generate", 400, "bytes of text to generate at the end (0: none)")
	fs.Float64Var(&f.temperature, "temperature", 0.8, "sampling temperature: the logits are divided by it (0: the most likely byte)")
	fs.Uint64Var(&f.sampleSeed, "sample-seed", 0, "seed of the sampling (default: --seed)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "sample-seed" {
			f.sampleSeedSet = true
		}
	})
	return f.run(stdout)
}

func (f *lstmFlags) run(stdout io.Writer) error {
	dt, unlock, err := f.check()
	if err != nil {
		return err
	}
	defer unlock()
	switch {
	case f.bytes <= 0:
		return usageErr("--bytes: %d, want > 0", f.bytes)
	case !(f.val > 0 && f.val < 1):
		return usageErr("--val: %g, want a fraction in (0, 1)", f.val)
	case f.context <= 0 || f.embed <= 0 || f.hidden <= 0 || f.layers <= 0:
		return usageErr("--context, --embed, --hidden and --layers must be > 0")
	case f.context*f.batch > 1<<22 || f.hidden > 1<<13 || f.embed > 1<<13 || f.layers > 16:
		return usageErr("--context × --batch at most 4194304, --hidden and --embed at most 8192, --layers at most 16")
	case f.generate < 0:
		return usageErr("--generate: %d, want ≥ 0", f.generate)
	case !(f.temperature >= 0) || math.IsInf(f.temperature, 0):
		return usageErr("--temperature: %g, want a finite number ≥ 0", f.temperature)
	}
	prompt, err := strconv.Unquote(`"` + strings.ReplaceAll(f.prompt, `"`, `\"`) + `"`)
	if err != nil {
		return usageErr("--prompt: %q is not a string with Go's escapes", f.prompt)
	}
	if !f.sampleSeedSet {
		f.sampleSeed = f.seed
	}
	source := f.source
	if source == "" {
		if source, err = goSourceDir(); err != nil {
			return err
		}
	}
	text, err := datasets.GoSource(source, f.val, f.seed, f.bytes)
	if err != nil {
		return fmt.Errorf("--source: %v", err)
	}
	if datasets.Windows(text.Train, f.context) == 0 || datasets.Windows(text.Val, f.context) == 0 {
		return usageErr("--context: %d, but the training text has %d bytes and the validation text %d", f.context, len(text.Train), len(text.Val))
	}
	promptIDs := make([]int64, len(prompt))
	for i := range len(prompt) {
		id := text.Token(prompt[i])
		if id < 0 {
			return usageErr("--prompt: byte %#02x at %d does not occur in the corpus", prompt[i], i)
		}
		promptIDs[i] = int64(id)
	}
	pad := text.Token('\n')
	if pad < 0 {
		pad = 0
	}

	trainData, valData := charlstm.Data(text, f.context)
	f.batch = min(f.batch, trainData.Len())
	m, err := charlstm.New(charlstm.Config{Vocab: len(text.Vocab), Context: f.context, Embed: f.embed, Hidden: f.hidden,
		Layers: f.layers, Batch: f.batch, DType: dt, Seed: f.seed})
	if err != nil {
		return err
	}
	opt, rule, err := f.solver()
	if err != nil {
		return err
	}
	set := func(name string, v int) train.Setting { return train.Setting{Name: name, Value: strconv.Itoa(v)} }
	tr, err := train.NewTrainer(m.Train, trainData, valData, opt, f.options(set("context", f.context),
		set("embed", f.embed), set("hidden", f.hidden), set("layers", f.layers)))
	if err != nil {
		return err
	}
	unigram := text.UnigramBits()
	if !f.asJSON {
		fmt.Fprintf(stdout, "corpus: %d bytes of Go source under %s (%d files, %d for validation): %d bytes to train on, %d to validate, %d distinct bytes; unigram baseline %.3f bits per character\n",
			len(text.Train)+len(text.Val), source, text.Files, text.ValFiles, len(text.Train), len(text.Val), len(text.Vocab), unigram)
		fmt.Fprintf(stdout, "training a byte-level LSTM (embedding %d, %d %s of %d, context %d; %d parameters), %s, batch %d, %d %s, %s\n",
			f.embed, f.layers, plural(f.layers, "layer"), f.hidden, f.context, m.NumParams(), rule, f.batch, f.epochs, plural(f.epochs, "epoch"), dt)
	}
	run, err := f.train(tr, stdout, "--source, --bytes and --val", func(e train.EpochStats) string {
		return fmt.Sprintf("epoch %2d  loss %.4f bits  val %.4f bits per character  %.1fs", e.Epoch, e.Loss/math.Ln2, e.ValMetrics["bits"], e.Seconds)
	})
	if err != nil {
		return err
	}
	h := tr.History()
	valBits := h[len(h)-1].ValMetrics["bits"]
	var generated string
	if f.generate > 0 {
		s, err := m.NewSampler(int64(pad))
		if err != nil {
			return err
		}
		ids, err := s.Generate(promptIDs, f.generate, f.temperature, rand.New(rand.NewPCG(f.sampleSeed, 0)))
		if err != nil {
			return err
		}
		generated = string(text.Decode(ids))
	}
	if f.plot != "" {
		title := fmt.Sprintf("LSTM %d", f.hidden)
		if err := plots.LanguageModelCurves(f.plot, title, run.batchLoss, run.batches, h, unigram); err != nil {
			return fmt.Errorf("--plot: %v", err)
		}
	}
	if f.asJSON {
		return writeJSON(stdout, map[string]any{
			"model": "lstm", "epochs": tr.Epoch(), "seconds": run.seconds, "history": h,
			"val_bits": valBits, "unigram_bits": unigram, "params": m.NumParams(),
			"context": f.context, "embed": f.embed, "hidden": f.hidden, "layers": f.layers, "batch": f.batch,
			"dtype": dt.String(), "seed": f.seed, "source": source, "files": text.Files, "val_files": text.ValFiles,
			"train_bytes": len(text.Train), "val_bytes": len(text.Val), "vocab": len(text.Vocab),
			"prompt": prompt, "temperature": f.temperature, "sample_seed": f.sampleSeed, "generated": generated,
		})
	}
	fmt.Fprintf(stdout, "validation %.3f bits per character: %.3f below the unigram baseline %.3f (%.0f%% of it), %.1fs of training\n",
		valBits, unigram-valBits, unigram, 100*valBits/unigram, run.seconds)
	if f.generate > 0 {
		fmt.Fprintf(stdout, "generated at temperature %g (sample seed %d) after %q:\n%s%s\n", f.temperature, f.sampleSeed, prompt, prompt, generated)
	}
	return nil
}

// goSourceDir returns $(go env GOROOT)/src, the Go distribution's source.
func goSourceDir() (string, error) {
	var out, errOut bytes.Buffer
	cmd := exec.Command("go", "env", "GOROOT")
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errOut.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("cannot find the Go distribution's source (go env GOROOT: %s); give a directory of Go files with --source DIR", msg)
	}
	dir := filepath.Join(strings.TrimSpace(out.String()), "src")
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("cannot find the Go distribution's source at %s; give a directory of Go files with --source DIR", dir)
	}
	return dir, nil
}
