package plots

import (
	"gonum.org/v1/plot/vg"

	"github.com/gradgraph/gradgraph/train"
)

// TrainingCurves writes a PNG with two panels: the loss (the cost of every
// batch, and the mean per epoch) against epochs, and the validation
// accuracy per epoch. batchLoss holds the batch costs in order, with
// batchesPerEpoch of them per epoch. Without validation (every epoch's
// ValAccuracy 0, as a run without validation images reports) the figure
// has the loss panel alone, half as wide.
func TrainingCurves(path, title string, batchLoss []float64, batchesPerEpoch int, epochs []train.EpochStats) error {
	bx := make([]float64, len(batchLoss))
	for i := range bx {
		bx[i] = float64(i+1) / float64(max(1, batchesPerEpoch))
	}
	var ex, el, ea []float64
	validated := false
	for _, e := range epochs {
		ex = append(ex, float64(e.Epoch))
		el = append(el, e.Loss)
		ea = append(ea, 100*e.ValAccuracy)
		validated = validated || e.ValAccuracy > 0
	}
	loss, err := Lines(title+": loss", "epoch", "batch cost (log scale)", true,
		Series{Name: "cost of each batch", X: bx, Y: batchLoss, Faint: true}, Series{Name: "mean over the epoch", X: ex, Y: el})
	if err != nil {
		return err
	}
	if !validated {
		return Save(path, 5*vg.Inch, 4*vg.Inch, loss)
	}
	acc, err := Lines(title+": validation accuracy", "epoch", "accuracy (%)", false,
		Series{Name: "validation accuracy", X: ex, Y: ea})
	if err != nil {
		return err
	}
	return Save(path, 10*vg.Inch, 4*vg.Inch, loss, acc)
}
