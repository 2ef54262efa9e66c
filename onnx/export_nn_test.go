package onnx_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/autodiff"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/ops"
)

// param adds a parameter of zeros (fill sets it).
func param(g *graph.Graph, name string, dt graph.DType, shape ...int) *graph.Node {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if dt == graph.Float32 {
		return g.Param(name, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(make([]float32, n))))
	}
	return g.Param(name, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(make([]float64, n))))
}

// nnOutput is an output of nnGraph; exact says whether the round trip
// must reproduce it bit for bit (its ops come back as the same ops) or
// to rounding (written as other ONNX ops: GroupNormalization, which ONNX
// 17 lacks, and batch normalisation in inference mode, which imports as
// ONNX's formula).
type nnOutput struct {
	name  string
	n     *graph.Node
	exact bool
}

// nnGraph builds a graph of the convolution, pooling, normalisation,
// indexing, recurrent and loss ops, with seeded random inputs and
// parameters. Its batch normalisation runs in the given mode.
func nnGraph(t *testing.T, dt graph.DType, training bool) (*graph.Graph, []nnOutput) {
	t.Helper()
	g := graph.New()
	p := func(name string, shape ...int) *graph.Node { return param(g, name, dt, shape...) }
	eps := float64(float32(1e-5))
	x := g.Input("x", dt, 2, 3, 6, 6)
	labels := g.Input("labels", graph.Int64, 2)
	idx := g.Input("idx", graph.Int64, 2, 2)

	conv := ops.Conv(x, p("w1", 4, 3, 3, 3), p("b1", 4), ops.ConvOptions{Pads: []int{1, 1, 1, 1}})
	conv2 := ops.Conv(conv, p("w2", 4, 2, 3, 3), nil, ops.ConvOptions{Group: 2, Dilations: []int{2, 2}, AutoPad: ops.AutoPadSameUpper})
	// Batch normalisation in inference mode, and GroupNormalization, are
	// side branches: their values come back to rounding only.
	bn := ops.ReLU(ops.BatchNormalization("bn", conv2, p("bn_s", 4), p("bn_b", 4), ops.NewMode(training), eps, 0.875))
	h := ops.ReLU(conv2)
	mp := ops.MaxPool(h, ops.MaxPoolOptions{KernelShape: []int{2, 2}, Strides: []int{2, 2}})
	mpi := ops.MaxPoolIndices(h, ops.MaxPoolOptions{KernelShape: []int{3, 3}, Pads: []int{1, 1, 1, 1}, StorageOrder: 1})
	ap := ops.AveragePool(h, ops.AveragePoolOptions{KernelShape: []int{3, 3}, Pads: []int{1, 1, 1, 1}, CountIncludePad: true, CeilMode: true})
	in := ops.InstanceNormalization(ap, p("in_s", 4), p("in_b", 4), eps)
	ln := ops.LayerNormalization(in, p("ln_s", 6, 6), p("ln_b", 6), -2, eps)
	ln1 := ops.LayerNormalization(ln, nil, nil, -1, 0.25)
	lrn := ops.LRN(ln1, 3, 0.125, 0.75, 1)
	gn := ops.GroupNormalization(lrn, p("gn_s", 2), p("gn_b", 2), 2, 1e-3)
	ct := ops.ConvTranspose(lrn, p("wt", 4, 2, 3, 3), p("bt", 4), ops.ConvTransposeOptions{Group: 2, Strides: []int{2, 2}, OutputPadding: []int{1, 1}})
	pooled := ops.Flatten(ops.GlobalAveragePool(ct), 1) // 2×4
	gm := ops.GlobalMaxPool(mp)
	logits := ops.Gemm(pooled, p("wl", 4, 3), p("bl", 3), 1, 1, 0)
	sce := ops.SoftmaxCrossEntropyLoss(logits, labels, p("cw", 3), ops.LossOptions{Ignore: true, IgnoreIndex: 1})
	nll := ops.NegativeLogLikelihoodLoss(ops.LogSoftmax(logits, 1), labels, nil, ops.LossOptions{Reduction: ops.ReductionSum})
	sceNone := ops.SoftmaxCrossEntropyLoss(logits, labels, nil, ops.LossOptions{Reduction: ops.ReductionNone})

	// The indexing ops.
	row := ops.Reshape(x, 6, 36)
	cube := ops.Reshape(x, 6, 6, 6)
	gathered := ops.Gather(row, idx, 1)
	ge := ops.GatherElements(row, idx, 1)
	gnd := ops.GatherND(cube, idx, 0)
	se := ops.ScatterElements(row, idx, ge, 1, ops.ScatterAdd)
	snd := ops.ScatterND(cube, idx, gnd, ops.ScatterMul)
	oh := ops.OneHot(labels, 3, -1, 2, dt, 0)
	sl := ops.Slice(x, []int{0, 1}, []int{math.MaxInt, -1}, []int{0, 3}, []int{1, 2})
	cc := ops.Concat(1, sl, sl)
	parts := ops.Split(x, 2, 2, 4)
	equal := ops.SplitEqual(x, 3, 3)
	tl := ops.Tile(x, 1, 2, 1, 1)
	pads := []int{0, 0, 1, 2, 0, 1, 2, 0}
	pr := ops.Pad(x, pads, ops.PadReflect, 0)
	pc := ops.Pad(x, pads, ops.PadConstant, 0.5)
	pe := ops.Pad(x, []int{0, 0, -1, 2, 0, 0, 0, 1}, ops.PadEdge, 0)
	other := graph.Float64
	if dt == graph.Float64 {
		other = graph.Float32
	}
	cs := ops.Cast(ops.Cast(x, other), graph.Int32)
	shape := ops.Concat(0, ops.Shape(x), ops.ShapeSlice(x, 1, -1), ops.Reshape(ops.Size(x), 1))
	rg := ops.Range(g, 0, 5, 1.5, dt)
	cos := ops.ConstantOfShape(g, graph.Shape{2, 3}, -7, graph.Int32)
	d2s := ops.DepthToSpace(conv, 2, ops.CRD)
	s2d := ops.SpaceToDepth(x, 2)
	drop := ops.Dropout(x, 0.5, nil, nil)
	ein := ops.Einsum("bij,bkj->bik", cube, cube)

	// The recurrent ops.
	seq := g.Input("seq", dt, 5, 2, 3)
	lens := g.Input("lens", graph.Int64, 2)
	lstm := ops.LSTM(seq, p("lw", 1, 16, 3), p("lr", 1, 16, 4), p("lb", 1, 32), nil, nil, p("lp", 1, 12), ops.RNNOptions{SequenceLens: lens})
	gru := ops.GRU(seq, p("gw", 2, 12, 3), p("gr", 2, 12, 4), p("gb", 2, 24), nil,
		ops.RNNOptions{Direction: ops.RNNBidirectional, LinearBeforeReset: true})
	rnn := ops.RNN(seq, p("rw", 1, 4, 3), p("rr", 1, 4, 4), nil, nil, ops.RNNOptions{Direction: ops.RNNReverse, Activations: []string{"Relu"}})

	// A gradient graph: the adjoints of the unrolled recurrences put each
	// step back into place (NarrowGrad, NarrowGradSum).
	lw := g.Node("lw")
	grads, err := autodiff.Grad(ops.Add(ops.Sum(ops.Square(gru.Y)), ops.Sum(lstm.Y)), seq, lw)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Err(); err != nil {
		t.Fatal(err)
	}
	fill(t, g, 11)
	return g, []nnOutput{
		{"bn", bn, training}, {"groupnorm", gn, false},
		{"maxpool", gm, true}, {"indices", mpi, true}, {"d2s", d2s, true},
		{"sce", sce, true}, {"nll", nll, true}, {"sce_none", sceNone, true},
		{"gather", gathered, true}, {"scatter_elements", se, true}, {"scatter_nd", snd, true},
		{"onehot", oh, true}, {"concat", cc, true}, {"split0", parts[0], true}, {"split1", parts[1], true},
		{"split_equal", equal[2], true}, {"tile", tl, true}, {"reflect", pr, true}, {"constant", pc, true}, {"edge", pe, true},
		{"cast", cs, true}, {"shape", shape, true}, {"range", rg, true}, {"constant_of_shape", cos, true},
		{"s2d", s2d, true}, {"dropout", drop, true}, {"einsum", ein, true},
		{"lstm_y", lstm.Y, true}, {"lstm_c", lstm.YC, true}, {"gru_h", gru.YH, true}, {"rnn_y", rnn.Y, true},
		{"grad_seq", grads[0], true}, {"grad_lw", grads[1], true},
	}
}

// exportNN writes the outputs of nnGraph.
func exportNN(t *testing.T, outs []nnOutput) []byte {
	t.Helper()
	var nodes []*graph.Node
	var names []string
	for _, o := range outs {
		nodes, names = append(nodes, o.n), append(names, o.name)
	}
	var buf bytes.Buffer
	if err := onnx.ExportWith(&buf, onnx.ExportOptions{OutputNames: names}, nodes...); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestExportLayers: a graph of the convolution, pooling, normalisation,
// indexing, recurrent and loss ops exports, with the normalisation layers
// as ONNX's ops, and imports back to the same values: bit for bit where
// the ops come back as themselves.
func TestExportLayers(t *testing.T) {
	for _, dt := range []graph.DType{graph.Float64, graph.Float32} {
		for _, training := range []bool{false, true} {
			g, outs := nnGraph(t, dt, training)
			data := exportNN(t, outs)
			var nodes []*graph.Node
			for _, o := range outs {
				nodes = append(nodes, o.n)
			}
			p, err := g.Compile(nodes...)
			if err != nil {
				t.Fatal(err)
			}
			p.Run()
			if err := p.Err(); err != nil {
				t.Fatal(err)
			}
			given := map[string]*graph.Value{}
			for _, n := range g.Nodes() {
				if n.Kind() == graph.KindInput {
					given[n.Name()] = n.Storage()
				}
			}
			m, err := onnx.ImportBytes(data, onnx.Options{Inputs: given})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Run()
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-12
			if dt == graph.Float32 {
				tol = 1e-5
			}
			for i, o := range outs {
				what := dt.String() + " " + o.name
				if o.exact {
					sameBits(t, what, got[i], o.n.Storage())
					continue
				}
				want := o.n.Storage()
				if !got[i].Shape.Equal(want.Shape) {
					t.Fatalf("%s: shape %s, want %s", what, got[i].Shape, want.Shape)
				}
				for k := 0; k < want.Len(); k++ {
					if d := math.Abs(got[i].At(k) - want.At(k)); d > tol*(1+math.Abs(want.At(k))) {
						t.Fatalf("%s: element %d is %v, want %v", what, k, got[i].At(k), want.At(k))
					}
				}
			}
			for _, op := range []string{"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalMaxPool", "BatchNormalization",
				"InstanceNormalization", "LayerNormalization", "LRN", "NegativeLogLikelihoodLoss", "GatherND", "OneHot", "Pad", "DepthToSpace"} {
				if !bytes.Contains(data, []byte(op)) {
					t.Errorf("the exported model has no %s node", op)
				}
			}
		}
	}
}

// TestExportDropoutInTrainingMode: a dropout layer in training mode is
// ONNX's Dropout with training_mode set, and comes back as a random
// dropout: each element zero or scaled by 1/(1 − ratio).
func TestExportDropoutInTrainingMode(t *testing.T) {
	g := graph.New()
	x := g.Input("x", graph.Float64, 200)
	y := ops.Dropout(x, 0.25, ops.NewMode(true), ops.NewRNG(7))
	mask := ops.DropoutMask(x, 0.25, ops.NewMode(true), ops.NewRNG(7))
	var buf bytes.Buffer
	if err := onnx.Export(&buf, y, mask); err != nil {
		t.Fatal(err)
	}
	xv := graph.NewValue(graph.Float64, graph.Shape{200})
	for i := range xv.F64 {
		xv.F64[i] = float64(i + 1)
	}
	m, err := onnx.ImportBytes(buf.Bytes(), onnx.Options{Inputs: map[string]*graph.Value{"x": xv}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range out {
		dropped := 0
		for i, got := range v.F64 {
			want := 1 / 0.75
			if k == 0 {
				want *= xv.F64[i]
			}
			switch {
			case got == 0:
				dropped++
			case math.Abs(got-want) > 1e-12*want:
				t.Fatalf("output %d, element %d is %v, want 0 or %v", k, i, got, want)
			}
		}
		if dropped < 20 || dropped > 80 {
			t.Errorf("output %d: %d of 200 dropped at ratio 0.25", k, dropped)
		}
	}
}

// TestExportLayersPassONNXChecker runs onnx.checker.check_model with
// full_check (shape inference included) on the exported layers, when
// /usr/bin/python3 has the onnx package.
func TestExportLayersPassONNXChecker(t *testing.T) {
	check := onnxChecker(t)
	dir := t.TempDir()
	for _, dt := range []graph.DType{graph.Float32, graph.Float64} {
		for _, training := range []bool{false, true} {
			_, outs := nnGraph(t, dt, training)
			path := filepath.Join(dir, dt.String()+map[bool]string{false: "_inference", true: "_training"}[training]+".onnx")
			if err := os.WriteFile(path, exportNN(t, outs), 0o644); err != nil {
				t.Fatal(err)
			}
			check(filepath.Base(path), path)
		}
	}
}
