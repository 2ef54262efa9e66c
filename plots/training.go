package plots

import (
	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/train"
)

// TrainingCurves writes a PNG with two panels: the loss (the cost of every
// batch, and the mean per epoch) against epochs, and the validation
// accuracy per epoch. batchLoss holds the batch costs in order, with
// batchesPerEpoch of them per epoch.
func TrainingCurves(path, title string, batchLoss []float64, batchesPerEpoch int, epochs []train.EpochStats) error {
	bx := make([]float64, len(batchLoss))
	for i := range bx {
		bx[i] = float64(i+1) / float64(max(1, batchesPerEpoch))
	}
	var ex, el, ea []float64
	for _, e := range epochs {
		ex = append(ex, float64(e.Epoch))
		el = append(el, e.Loss)
		ea = append(ea, 100*e.ValAccuracy)
	}
	loss, err := Lines(title+": loss", "epoch", "cost 𝒞 (log scale)", true,
		Series{"batch cost", bx, batchLoss}, Series{"epoch mean", ex, el})
	if err != nil {
		return err
	}
	acc, err := Lines(title+": validation accuracy", "epoch", "accuracy (%)", false,
		Series{"validation accuracy", ex, ea})
	if err != nil {
		return err
	}
	return Save(path, 10*vg.Inch, 4*vg.Inch, loss, acc)
}
