// Command charlstm trains a small byte-level LSTM language model on 200 kB
// of the Go distribution's net/http package for three epochs, prints
// the validation bits per character of each epoch next to the unigram
// baseline, and generates 200 bytes after a prompt. It runs in seconds:
// `gradgraph train --model lstm` is the full run of docs/models.md.
package main

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/charlstm"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	// docs:begin train
	// Whole files of the net/http package (and those below it) in path
	// order, up to 200 kB; a fifth of them, chosen by a hash of the seed
	// and the path, validate.
	text, err := datasets.GoSource(filepath.Join(goSource(), "net", "http"), 0.2, 1, 200_000)
	check(err)
	fmt.Printf("%d bytes to train on, %d to validate, %d distinct bytes; unigram baseline %.3f bits per character\n",
		len(text.Train), len(text.Val), len(text.Vocab), text.UnigramBits())

	const ctx = 32 // bytes a window holds
	m, err := charlstm.New(charlstm.Config{Vocab: len(text.Vocab), Context: ctx, Embed: 16, Hidden: 64, Layers: 1,
		Batch: 32, DType: graph.Float32, Seed: 1})
	check(err)
	trainData, valData := charlstm.Data(text, ctx) // windows of ctx bytes and the bytes after them
	adam, err := solvers.New(solvers.Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	check(err)
	tr, err := train.NewTrainer(m.Train, trainData, valData, adam, train.Options{BatchSize: 32, Seed: 1})
	check(err)
	tr.OnEpoch = func(e train.EpochStats) error {
		fmt.Printf("epoch %d  loss %.3f bits  val %.3f bits per character\n", e.Epoch, e.Loss/math.Ln2, e.ValMetrics["bits"])
		return nil
	}
	check(tr.Run(context.Background(), 3))
	// docs:end train

	// docs:begin sample
	// The prompt's bytes as token ids; a short context is padded with
	// newlines on the left.
	prompt := "func (b *Buffer) "
	ids := make([]int64, len(prompt))
	for i := range len(prompt) {
		ids[i] = int64(text.Token(prompt[i]))
	}
	s, err := m.NewSampler(int64(text.Token('\n')))
	check(err)
	next, err := s.Generate(ids, 200, 0.8, rand.New(rand.NewPCG(1, 0)))
	check(err)
	fmt.Printf("%s%s\n", prompt, text.Decode(next))
	// docs:end sample
}

// goSource returns $(go env GOROOT)/src.
func goSource() string {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	check(err)
	return filepath.Join(strings.TrimSpace(string(out)), "src")
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
