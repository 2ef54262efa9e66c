package plots

import (
	"math"

	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/train"
)

// LanguageModelCurves writes a PNG of a language model's training,
// trained with a "bits" metric, in bits per character against epochs:
// the loss of every batch, the validation bits after each epoch, and the
// unigram baseline, a line at unigram bits.
// batchNats holds the batches' losses in nats, in order, with
// batchesPerEpoch of them per epoch.
func LanguageModelCurves(path, title string, batchNats []float64, batchesPerEpoch int, epochs []train.EpochStats, unigram float64) error {
	bx, by := make([]float64, len(batchNats)), make([]float64, len(batchNats))
	for i, l := range batchNats {
		bx[i], by[i] = float64(i+1)/float64(max(1, batchesPerEpoch)), l/math.Ln2
	}
	var ex, ev []float64
	for _, e := range epochs {
		ex = append(ex, float64(e.Epoch))
		ev = append(ev, e.ValMetrics["bits"])
	}
	end := float64(max(1, len(epochs)))
	p, err := Lines(title, "epoch", "bits per character", false,
		Series{Name: "training, each batch", X: bx, Y: by, Faint: true},
		Series{Name: "validation, after each epoch", X: ex, Y: ev},
		Series{Name: "unigram baseline", X: []float64{0, end}, Y: []float64{unigram, unigram}})
	if err != nil {
		return err
	}
	return Save(path, 7*vg.Inch, 4*vg.Inch, p)
}

// ELBOCurves writes a PNG with two panels for a variational auto-encoder
// trained with an "elbo" metric: the loss, the negative ELBO, of every
// batch and its mean per epoch against epochs (on a log scale), and the
// ELBO per epoch on the training images (the mean over the epoch's
// batches) and on the validation images. batchLoss holds the batches'
// losses in order, with batchesPerEpoch of them per epoch.
func ELBOCurves(path, title string, batchLoss []float64, batchesPerEpoch int, epochs []train.EpochStats) error {
	bx := make([]float64, len(batchLoss))
	for i := range bx {
		bx[i] = float64(i+1) / float64(max(1, batchesPerEpoch))
	}
	var ex, el, et, ev []float64
	for _, e := range epochs {
		ex = append(ex, float64(e.Epoch))
		el = append(el, e.Loss)
		et = append(et, -e.Loss)
		ev = append(ev, e.ValMetrics["elbo"])
	}
	loss, err := Lines(title+": loss", "epoch", "−ELBO per image, nats (log scale)", true,
		Series{Name: "each batch", X: bx, Y: batchLoss, Faint: true}, Series{Name: "mean over the epoch", X: ex, Y: el})
	if err != nil {
		return err
	}
	elbo, err := Lines(title+": ELBO", "epoch", "ELBO per image, nats", false,
		Series{Name: "training (mean over the epoch)", X: ex, Y: et}, Series{Name: "validation", X: ex, Y: ev})
	if err != nil {
		return err
	}
	return Save(path, 10*vg.Inch, 4*vg.Inch, loss, elbo)
}
