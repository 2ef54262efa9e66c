// Command charlstm_curves does from Go what
//
//	gradgraph train --model lstm --plot docs/img/charlstm_curves.png
//
// does from the shell, with the command's defaults: it trains a byte-level
// LSTM (embedding 64, one layer of 256 units, windows of 64 bytes) on 2 MB
// of the Go distribution's source for two epochs of Adam in batches of 16,
// draws the curves of bits per character, and prints 400 bytes generated
// at temperature 0.8. It takes minutes: `go generate ./docs` runs it to
// redraw docs/img/charlstm_curves.png.
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
	"github.com/gradgraph/gradgraph/internal/imgdir"
	"github.com/gradgraph/gradgraph/models/charlstm"
	"github.com/gradgraph/gradgraph/plots"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	check(err)
	text, err := datasets.GoSource(filepath.Join(strings.TrimSpace(string(out)), "src"), 0.1, 1, 2_000_000) // --val 0.1, --seed 1, --bytes
	check(err)
	const ctx, batch = 64, 16
	m, err := charlstm.New(charlstm.Config{Vocab: len(text.Vocab), Context: ctx, Embed: 64, Hidden: 256, Layers: 1,
		Batch: batch, DType: graph.Float32, Seed: 1})
	check(err)
	trainData, valData := charlstm.Data(text, ctx)
	adam, err := solvers.New(solvers.Adam{Eta: 0.01, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.ExponentialSchedule(3e-4))
	check(err)
	tr, err := train.NewTrainer(m.Train, trainData, valData, adam, train.Options{BatchSize: batch, Seed: 1})
	check(err)
	var batchLoss []float64
	batches := 0
	tr.OnBatch = func(p train.Progress) {
		batchLoss = append(batchLoss, p.Loss)
		batches = p.Batches
	}
	tr.OnEpoch = func(e train.EpochStats) error {
		fmt.Printf("epoch %2d  loss %.4f bits  val %.4f bits per character  %.1fs\n", e.Epoch, e.Loss/math.Ln2, e.ValMetrics["bits"], e.Seconds)
		return nil
	}
	check(tr.Run(context.Background(), 2))
	check(plots.LanguageModelCurves(imgdir.Path("charlstm_curves.png"), "LSTM 256", batchLoss, batches, tr.History(), text.UnigramBits()))

	prompt := "func (s *Server) "
	ids := make([]int64, len(prompt))
	for i := range len(prompt) {
		ids[i] = int64(text.Token(prompt[i]))
	}
	s, err := m.NewSampler(int64(text.Token('\n')))
	check(err)
	next, err := s.Generate(ids, 400, 0.8, rand.New(rand.NewPCG(1, 0)))
	check(err)
	fmt.Printf("%s%s\n", prompt, text.Decode(next))
}

func check(err error) {
	if err != nil {
		panic(err)
	}
}
