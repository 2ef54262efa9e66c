package main

import (
	"bytes"
	"flag"
	"fmt"
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

func init() {
	registerModel("lstm", "a byte-level LSTM language model on the Go distribution's source",
		runDefaults{Epochs: lstmEpochs, Batch: lstmBatch, Eta: lstmEta, Decay: lstmDecay}, lstmSetup)
}

// lstmSetup declares the flags of `gradgraph train --model lstm`, which
// trains the byte-level LSTM language model of package charlstm on the Go
// distribution's source, reports the validation bits per character of
// every epoch against the unigram baseline, and prints text generated
// from a prompt.
func lstmSetup(fs *flagSet) buildFunc {
	source := fs.String("source", "", "`dir`ectory of Go source to read (default: $(go env GOROOT)/src)")
	nBytes := fs.Int("bytes", lstmBytes, "read at most `n` bytes of source, whole files in sorted path order")
	val := fs.Float64("val", 0.1, "fraction of the files held out for validation, chosen by a hash of the seed and the path")
	context := fs.Int("context", lstmContext, "bytes a training window holds")
	embed := fs.Int("embed", lstmEmbed, "width of a byte's embedding")
	hidden := fs.Int("hidden", lstmHidden, "units of each LSTM layer")
	layers := fs.Int("layers", 1, "number of stacked LSTM layers")
	promptFlag := fs.String("prompt", lstmPrompt, "text the generated text follows, with Go's escapes (\\n, \\t, …)")
	generate := fs.Int("generate", 400, "bytes of text to generate at the end (0: none)")
	temperature := fs.Float64("temperature", 0.8, "sampling temperature: the logits are divided by it (0: the most likely byte)")
	sampleSeed := fs.Uint64("sample-seed", 0, "seed of the sampling (default: --seed)")
	return func(c runConfig) (*modelRun, error) {
		switch {
		case *nBytes <= 0:
			return nil, usageErr("--bytes: %d, want > 0", *nBytes)
		case !(*val > 0 && *val < 1):
			return nil, usageErr("--val: %g, want a fraction in (0, 1)", *val)
		case *context <= 0 || *embed <= 0 || *hidden <= 0 || *layers <= 0:
			return nil, usageErr("--context, --embed, --hidden and --layers must be > 0")
		case *context*c.Batch > 1<<22 || *hidden > 1<<13 || *embed > 1<<13 || *layers > 16:
			return nil, usageErr("--context × --batch at most 4194304, --hidden and --embed at most 8192, --layers at most 16")
		case *generate < 0:
			return nil, usageErr("--generate: %d, want ≥ 0", *generate)
		case !(*temperature >= 0) || math.IsInf(*temperature, 0):
			return nil, usageErr("--temperature: %g, want a finite number ≥ 0", *temperature)
		}
		prompt, err := strconv.Unquote(`"` + strings.ReplaceAll(*promptFlag, `"`, `\"`) + `"`)
		if err != nil {
			return nil, usageErr("--prompt: %q is not a string with Go's escapes", *promptFlag)
		}
		seed := c.Seed
		fs.Visit(func(fl *flag.Flag) {
			if fl.Name == "sample-seed" {
				seed = *sampleSeed
			}
		})
		dir := *source
		if dir == "" {
			if dir, err = goSourceDir(); err != nil {
				return nil, err
			}
		}
		text, err := datasets.GoSource(dir, *val, c.Seed, *nBytes)
		if err != nil {
			return nil, fmt.Errorf("--source: %v", err)
		}
		if datasets.Windows(text.Train, *context) == 0 || datasets.Windows(text.Val, *context) == 0 {
			return nil, usageErr("--context: %d, but the training text has %d bytes and the validation text %d", *context, len(text.Train), len(text.Val))
		}
		promptIDs := make([]int64, len(prompt))
		for i := range len(prompt) {
			id := text.Token(prompt[i])
			if id < 0 {
				return nil, usageErr("--prompt: byte %#02x at %d does not occur in the corpus", prompt[i], i)
			}
			promptIDs[i] = int64(id)
		}
		m, err := charlstm.New(charlstm.Config{Vocab: len(text.Vocab), Context: *context, Embed: *embed, Hidden: *hidden,
			Layers: *layers, Batch: c.Batch, DType: c.DType, Seed: c.Seed})
		if err != nil {
			return nil, err
		}
		trainData, valData := charlstm.Data(text, *context)
		unigram := text.UnigramBits()
		num := strconv.Itoa
		arch := fmt.Sprintf("embedding %d, %d %s of %d, context %d", *embed, *layers, plural(*layers, "layer"), *hidden, *context)
		return &modelRun{Model: m.Train, Train: trainData, Val: valData,
			Header: fmt.Sprintf("corpus: %d bytes of Go source under %s (%d files, %d for validation): %d bytes to train on, %d to validate, %d distinct bytes; unigram baseline %.3f bits per character",
				len(text.Train)+len(text.Val), dir, text.Files, text.ValFiles, len(text.Train), len(text.Val), len(text.Vocab), unigram),
			Describe: fmt.Sprintf("a byte-level LSTM (%s; %d parameters)", arch, m.NumParams()),
			// The directory is not a setting: the data's fingerprints
			// tell whether a checkpoint's text is this run's.
			Settings: []train.Setting{{Name: "bytes", Value: num(*nBytes)}, {Name: "val", Value: strconv.FormatFloat(*val, 'g', -1, 64)},
				{Name: "context", Value: num(*context)}, {Name: "embed", Value: num(*embed)}, {Name: "hidden", Value: num(*hidden)}, {Name: "layers", Value: num(*layers)}},
			DataFlag: "--source",
			Summary: map[string]any{"unigram_bits": unigram, "context": *context, "embed": *embed, "hidden": *hidden, "layers": *layers,
				"source": dir, "files": text.Files, "val_files": text.ValFiles, "train_bytes": len(text.Train), "val_bytes": len(text.Val), "vocab": len(text.Vocab)},
			Metadata: map[string]string{"architecture": arch},
			EpochLine: func(e train.EpochStats) string {
				return fmt.Sprintf("epoch %2d  loss %.4f bits  val %.4f bits per character  %.1fs", e.Epoch, e.Loss/math.Ln2, e.ValMetrics["bits"], e.Seconds)
			},
			Report: func(t *train.Trainer) (map[string]any, string, error) {
				h := t.History()
				bits := h[len(h)-1].ValMetrics["bits"]
				return map[string]any{"val_bits": bits}, fmt.Sprintf("validation %.3f bits per character: %.3f below the unigram baseline %.3f (%.0f%% of it)",
					bits, unigram-bits, unigram, 100*bits/unigram), nil
			},
			Plot: func(path string, batchLoss []float64, batches int, epochs []train.EpochStats) error {
				return plots.LanguageModelCurves(path, fmt.Sprintf("LSTM %d", *hidden), batchLoss, batches, epochs, unigram)
			},
			After: func(*train.Trainer) (map[string]any, string, error) {
				fields := map[string]any{"prompt": prompt, "temperature": *temperature, "sample_seed": seed, "generated": ""}
				if *generate == 0 {
					return fields, "", nil
				}
				pad := max(text.Token('\n'), 0)
				s, err := m.NewSampler(int64(pad))
				if err != nil {
					return nil, "", err
				}
				ids, err := s.Generate(promptIDs, *generate, *temperature, rand.New(rand.NewPCG(seed, 0)))
				if err != nil {
					return nil, "", err
				}
				fields["generated"] = string(text.Decode(ids))
				return fields, fmt.Sprintf("generated at temperature %g (sample seed %d) after %q:\n%s%s", *temperature, seed, prompt, prompt, fields["generated"]), nil
			},
		}, nil
	}
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
