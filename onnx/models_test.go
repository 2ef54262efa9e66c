package onnx_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx"
)

// expected is what testdata/gen/models.py wrote from PyTorch: the loss and
// torch.autograd's gradients, by tensor name.
type expected struct {
	Loss float64 `json:"loss"`
	Wrt  map[string]struct {
		Shape []int     `json:"shape"`
		Data  []float64 `json:"data"`
	} `json:"wrt"`
	Inputs []string `json:"inputs"`
	Ops    []string `json:"ops"`
}

// relErr is the largest absolute difference over the largest |want|.
func relErr(got, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	scale, worst := 1e-12, 0.0
	for i := range want {
		scale = max(scale, math.Abs(want[i]))
		worst = max(worst, math.Abs(got[i]-want[i]))
	}
	return worst / scale
}

func readTensor(t *testing.T, path string) *graph.Value {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, v, err := onnx.ReadTensor(f)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestPyTorchModels imports models exported by PyTorch in float64 with the
// loss inside the graph and checks the loss and every gradient against
// torch.autograd to 1e-6 relative (-v shows how close each comes).
func TestPyTorchModels(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/models/*")
	if len(dirs) == 0 {
		t.Fatal("no models in testdata/models")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var exp expected
			if err := json.Unmarshal(data, &exp); err != nil {
				t.Fatal(err)
			}
			given := map[string]*graph.Value{}
			for _, name := range exp.Inputs {
				given[name] = readTensor(t, filepath.Join(dir, "input_"+name+".pb"))
			}
			m, err := onnx.ImportFile(filepath.Join(dir, "model.onnx"), onnx.Options{Inputs: given})
			if err != nil {
				t.Fatalf("%v (ops %v)", err, exp.Ops)
			}
			var names []string
			for name := range exp.Wrt {
				names = append(names, name)
			}
			names, grads, err := m.Gradients(names...)
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.Graph.Compile(append([]*graph.Node{m.Outputs[0]}, grads...)...)
			if err != nil {
				t.Fatal(err)
			}
			p.Run()
			if err := p.Err(); err != nil {
				t.Fatal(err)
			}
			worst := relErr([]float64{m.Outputs[0].Scalar()}, []float64{exp.Loss})
			if worst > 1e-6 {
				t.Errorf("loss %v, torch %v (relative error %.1e)", m.Outputs[0].Scalar(), exp.Loss, worst)
			}
			for i, name := range names {
				w := exp.Wrt[name]
				if !grads[i].Shape().Equal(graph.Shape(w.Shape)) && !(len(w.Shape) == 0 && grads[i].Shape().Size() == 1) {
					t.Errorf("gradient of %s has shape %s, torch %v", name, grads[i].Shape(), w.Shape)
					continue
				}
				got := make([]float64, grads[i].Shape().Size())
				for k := range got {
					got[k] = grads[i].Storage().At(k)
				}
				e := relErr(got, w.Data)
				if e > 1e-6 {
					t.Errorf("gradient of %s off by %.1e relative", name, e)
				}
				worst = max(worst, e)
			}
			t.Logf("ops %v: the loss and %d gradients agree with torch to %.1e relative", exp.Ops, len(names), worst)
		})
	}
}
