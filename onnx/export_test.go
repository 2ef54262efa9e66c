package onnx_test

import (
	"bytes"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/ops"
)

// fill sets every input and param of g to seeded random values.
func fill(t *testing.T, g *graph.Graph, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, n := range g.Nodes() {
		if n.Kind() != graph.KindInput && n.Kind() != graph.KindParam {
			continue
		}
		xs := make([]float64, n.Shape().Size())
		for i := range xs {
			xs[i] = rng.Float64()*2 - 1
			if n.DType().IsInt() {
				xs[i] = float64(rng.IntN(3))
			}
		}
		if err := n.SetFloat64s(xs); err != nil {
			t.Fatal(err)
		}
	}
}

// mlpGraph is the lecture's MLP graph: sigmoid and ReLU hidden layers, a
// softmax output and the fused softmax cross-entropy.
func mlpGraph(t *testing.T, dt tensor.Dtype) *mlp.Graph {
	t.Helper()
	net, err := mlp.New([]int{5, 4, 3, 3}, []mlp.Activation{mlp.Sigmoid, mlp.ReLU, mlp.Softmax}, mlp.CrossEntropy, dt, 7)
	if err != nil {
		t.Fatal(err)
	}
	mg, err := mlp.Build(net, 6)
	if err != nil {
		t.Fatal(err)
	}
	return mg
}

// opsGraph exercises the export of many ops at once.
func opsGraph(t *testing.T, dt graph.DType) (*graph.Graph, []*graph.Node) {
	g := graph.New()
	x := g.Input("x", dt, 2, 3, 4)
	var w *graph.Node
	if dt == graph.Float32 {
		w = g.Param("w", tensor.New(tensor.WithShape(4, 5), tensor.WithBacking(make([]float32, 20))))
	} else {
		w = g.Param("w", tensor.New(tensor.WithShape(4, 5), tensor.WithBacking(make([]float64, 20))))
	}
	h := ops.MatMul(x, w, 0)                                      // 2x3x5
	h = ops.LeakyReLU(h, 0.25)                                    // float32-exact attribute
	h = ops.Add(ops.Scale(h, 0.5), ops.Square(ops.Tanh(h)))       // Scale and Square as Mul
	s := ops.Softmax(ops.Transpose(h, 0, 2, 1), 1)                // 2x5x3
	r := ops.ReduceSum(ops.Clip(s, 0.1, math.Inf(1)), true, 2)    // 2x5x1
	m := ops.ReduceMean(ops.CumSum(h, -1, false, true), false, 0) // 3x5
	f := ops.Flatten(ops.Mul(r, ops.Exp(ops.Neg(s))), 1)          // 2x15
	u := ops.Add(ops.Reshape(m, 15), ops.Squeeze(ops.Reshape(ops.Sum(f), 1)))
	bt := ops.MatMul(ops.Reshape(h, 2, 3, 5), ops.Reshape(h, 2, 3, 5), ops.TransB) // batched, transposed
	am := ops.ArgMax(bt, -1, false, true)
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	return g, []*graph.Node{u, bt, am, ops.Sum(ops.Where(ops.Greater(h, ops.ZerosLike(h)), h, ops.Sigmoid(h)))}
}

func roundTrip(t *testing.T, g *graph.Graph, outs []*graph.Node, names []string) (*onnx.Model, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := onnx.ExportWith(&buf, onnx.ExportOptions{OutputNames: names}, outs...); err != nil {
		t.Fatal(err)
	}
	m, err := onnx.ImportBytes(buf.Bytes(), onnx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Feed the imported model the same inputs.
	for _, in := range m.Inputs {
		copy(in.Storage().F64, g.Node(in.Name()).Storage().F64)
		copy(in.Storage().F32, g.Node(in.Name()).Storage().F32)
		copy(in.Storage().I64, g.Node(in.Name()).Storage().I64)
	}
	return m, buf.Bytes()
}

// sameBits compares two values bit for bit.
func sameBits(t *testing.T, what string, got, want *graph.Value) {
	t.Helper()
	if got.DType() != want.DType() || !got.Shape.Equal(want.Shape) {
		t.Fatalf("%s: got %s %s, want %s %s", what, got.DType(), got.Shape, want.DType(), want.Shape)
	}
	for i := 0; i < got.Len(); i++ {
		a, b := got.At(i), want.At(i)
		if math.Float64bits(a) != math.Float64bits(b) {
			t.Fatalf("%s: element %d is %v, want %v (bit for bit)", what, i, a, b)
		}
	}
}

func TestExportRoundTripIsBitIdentical(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		mg := mlpGraph(t, dt)
		fill(t, mg.G, 3)
		L := len(mg.Alpha) - 1
		outs := []*graph.Node{mg.Cost, mg.Alpha[L]}
		m, _ := roundTrip(t, mg.G, outs, []string{"cost", "probabilities"})
		p, err := mg.G.Compile(outs...)
		if err != nil {
			t.Fatal(err)
		}
		p.Run()
		got, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			sameBits(t, dt.String()+" "+m.OutputNames[i], got[i], o.Storage())
		}
		// The parameters came back as initializers with their names.
		if len(m.Params) != 2*len(mg.Weights) || m.Params[0].Name() != "Omega1" {
			t.Fatalf("params %v", m.Params)
		}
	}
	for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
		g, outs := opsGraph(t, dt)
		fill(t, g, 5)
		m, _ := roundTrip(t, g, outs, nil)
		p, err := g.Compile(outs...)
		if err != nil {
			t.Fatal(err)
		}
		p.Run()
		got, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range outs {
			sameBits(t, dt.String()+" "+m.OutputNames[i], got[i], o.Storage())
		}
	}
}

func TestExportRefusesWhatONNXCannotHold(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 3)
	for _, tc := range []struct {
		out  *graph.Node
		want string
	}{
		{ops.LeakyReLU(x, 0.01), "alpha = 0.01: ONNX's float attributes are float32"},
		{ops.PassWhere(x, x), "op PassWhere has no ONNX form"},
	} {
		err := onnx.Export(&bytes.Buffer{}, tc.out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want an error with %q", err, tc.want)
		}
	}
}

// onnxChecker returns a function that runs onnx.checker.check_model with
// full_check on a file and reports a rejection as a test error, or skips
// the test when /usr/bin/python3 lacks the checker. It imports the checker
// itself: the onnx directory that libonnx-testdata installs alone makes a
// bare "import onnx" succeed.
func onnxChecker(t *testing.T) func(name, path string) {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import onnx.checker").Run(); err != nil {
		t.Skip("no python3 with the onnx package (python3-onnx)")
	}
	return func(name, path string) {
		t.Helper()
		out, err := exec.Command(py, "-c", "import onnx, onnx.checker, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", path).CombinedOutput()
		if err != nil {
			t.Errorf("%s: onnx.checker rejects it: %v\n%s", name, err, strings.TrimSpace(string(out)))
		}
	}
}

// TestExportPassesONNXChecker runs onnx.checker.check_model (full_check,
// with shape inference, which also enters the model-local functions) on
// exported models, when /usr/bin/python3 has the onnx package.
func TestExportPassesONNXChecker(t *testing.T) {
	check := onnxChecker(t)
	dir := t.TempDir()
	mg := mlpGraph(t, tensor.Float64)
	_, outs := opsGraph(t, graph.Float32)
	for name, exp := range map[string]func(w *bytes.Buffer) error{
		"mlp.onnx": func(w *bytes.Buffer) error {
			return onnx.ExportWith(w, onnx.ExportOptions{OutputNames: []string{"cost", "p"}}, mg.Cost, mg.Alpha[len(mg.Alpha)-1])
		},
		"ops.onnx": func(w *bytes.Buffer) error { return onnx.Export(w, outs...) },
	} {
		var buf bytes.Buffer
		if err := exp(&buf); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		check(name, p)
	}
}
