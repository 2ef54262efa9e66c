package train

import (
	"fmt"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// evalBatch is the number of samples evaluated per forward pass.
const evalBatch = 1000

// evaluator runs the forward pass in large batches; a last, partial batch is
// padded with copies of its first sample, whose outputs are ignored.
type evaluator struct {
	mg  *mlp.Graph
	p   *graph.Program
	idx []int
}

func newEvaluator(mg *mlp.Graph) (*evaluator, error) {
	p, err := mg.ForwardProgram()
	if err != nil {
		return nil, err
	}
	return &evaluator{mg: mg, p: p, idx: make([]int, 0, mg.Input.Shape()[1])}, nil
}

// accuracy returns the fraction of d's samples whose largest output is
// their label.
func (e *evaluator) accuracy(d *datasets.Dataset) (float64, error) {
	if d.Classes == 0 {
		return 0, fmt.Errorf("train: accuracy needs a classification set, %s has real targets", d.Name)
	}
	m := e.mg.Input.Shape()[1]
	out := e.mg.Alpha[len(e.mg.Alpha)-1]
	rows := out.Shape()[0]
	correct := 0
	for lo := 0; lo < d.Len(); lo += m {
		hi := min(lo+m, d.Len())
		e.idx = e.idx[:0]
		for k := lo; k < lo+m; k++ {
			e.idx = append(e.idx, min(k, hi-1)) // pad a short last batch
		}
		fill(d, e.idx, e.mg)
		e.p.Run()
		v := out.Storage()
		for k := 0; k < hi-lo; k++ {
			best := 0
			for r := 1; r < rows; r++ {
				if v.At(r*m+k) > v.At(best*m+k) {
					best = r
				}
			}
			if best == int(d.Labels[lo+k]) {
				correct++
			}
		}
	}
	return float64(correct) / float64(d.Len()), nil
}

// Accuracy returns the fraction of d's samples that the loop's current
// network classifies correctly.
func (l *Loop) Accuracy(d *datasets.Dataset) (float64, error) {
	if l.eval == nil {
		mg, err := l.full.Resized(min(evalBatch, max(1, d.Len())))
		if err != nil {
			return 0, err
		}
		if l.eval, err = newEvaluator(mg); err != nil {
			return 0, err
		}
	}
	return l.eval.accuracy(d)
}

// Accuracy returns the fraction of d's samples that net classifies
// correctly.
func Accuracy(net *mlp.Network, d *datasets.Dataset) (float64, error) {
	mg, err := mlp.Build(net, min(evalBatch, max(1, d.Len())))
	if err != nil {
		return 0, err
	}
	e, err := newEvaluator(mg)
	if err != nil {
		return 0, err
	}
	return e.accuracy(d)
}
