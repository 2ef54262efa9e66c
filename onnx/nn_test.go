package onnx_test

import (
	"bytes"
	"math"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
)

// tnode is one node of a test model.
type tnode struct {
	op      string
	in, out []string
	attrs   []*pb.AttributeProto
}

// tensorProto is v as a TensorProto named name.
func tensorProto(t *testing.T, name string, v *graph.Value) *pb.TensorProto {
	t.Helper()
	var buf bytes.Buffer
	if err := onnx.WriteTensor(&buf, name, v); err != nil {
		t.Fatal(err)
	}
	var tp pb.TensorProto
	if err := proto.Unmarshal(buf.Bytes(), &tp); err != nil {
		t.Fatal(err)
	}
	return &tp
}

// importModel builds a model of the nodes, with graph inputs given by
// value (shape and dtype from the value), initializers, and outputs, and
// imports it with the inputs' values.
func importModel(t *testing.T, opset int64, given, inits map[string]*graph.Value, nodes []tnode, outputs ...string) (*onnx.Model, error) {
	t.Helper()
	g := &pb.GraphProto{Name: proto.String("g")}
	for _, name := range sortedNames(given) {
		v := given[name]
		dims := make([]*pb.TensorShapeProto_Dimension, len(v.Shape))
		for i, d := range v.Shape {
			dims[i] = dim(int64(d))
		}
		g.Input = append(g.Input, tensorInfo(name, pb.TensorProto_DataType(tensorProto(t, "", v).GetDataType()), dims...))
	}
	for _, name := range sortedNames(inits) {
		g.Initializer = append(g.Initializer, tensorProto(t, name, inits[name]))
	}
	for _, n := range nodes {
		g.Node = append(g.Node, &pb.NodeProto{OpType: proto.String(n.op), Input: n.in, Output: n.out, Attribute: n.attrs})
	}
	for _, o := range outputs {
		g.Output = append(g.Output, &pb.ValueInfoProto{Name: proto.String(o)})
	}
	m := &pb.ModelProto{IrVersion: proto.Int64(8), Graph: g,
		OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}}}
	return onnx.ImportBytes(marshal(t, m), onnx.Options{Inputs: given})
}

func sortedNames(m map[string]*graph.Value) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// values returns a value of dtype dt and shape s holding xs.
func values(dt graph.DType, s graph.Shape, xs ...float64) *graph.Value {
	v := graph.NewValue(dt, s)
	for i, x := range xs {
		v.SetAt(i, x)
	}
	return v
}

func boolValue(b bool) *graph.Value {
	v := graph.NewValue(graph.Bool, graph.Shape{})
	v.B[0] = b
	return v
}

// TestDropoutModes: inference mode passes x and a mask of trues; training
// mode with a ratio drops elements at random, the mask output saying
// which, and marks the model random (backend tests skip it).
func TestDropoutModes(t *testing.T) {
	x := graph.NewValue(graph.Float64, graph.Shape{400})
	for i := range x.F64 {
		x.F64[i] = float64(i + 1)
	}
	for _, training := range []bool{false, true} {
		m, err := importModel(t, 13, map[string]*graph.Value{"x": x},
			map[string]*graph.Value{"r": values(graph.Float64, graph.Shape{}, 0.5), "t": boolValue(training)},
			[]tnode{{op: "Dropout", in: []string{"x", "r", "t"}, out: []string{"y", "mask"}, attrs: []*pb.AttributeProto{intAttr("seed", 3)}}},
			"y", "mask")
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		y, mask := out[0], out[1]
		kept := 0
		for i, v := range y.F64 {
			want := x.F64[i]
			if training {
				want *= 2
			}
			if mask.B[i] {
				kept++
			}
			if (mask.B[i] && v != want) || (!mask.B[i] && v != 0) {
				t.Fatalf("training %v: element %d is %v with mask %v (x %v)", training, i, v, mask.B[i], x.F64[i])
			}
		}
		if !training && kept != 400 || training && (kept < 150 || kept > 250) {
			t.Errorf("training %v: %d of 400 kept", training, kept)
		}
	}
	// A run-time training_mode cannot choose the op's mode.
	_, err := importModel(t, 13, map[string]*graph.Value{"x": x, "t": boolValue(true)}, nil,
		[]tnode{{op: "Dropout", in: []string{"x", "", "t"}, out: []string{"y"}}}, "y")
	if err != nil {
		t.Fatalf("a given training_mode is known at import: %v", err)
	}
}

// TestLayerNormStashType: with a stash_type other than x's type, ONNX
// normalises in the stash type: a float64 x with stash_type float32 gives
// exactly the float32 normalisation, and the Mean and InvStdDev outputs
// have the stash type.
func TestLayerNormStashType(t *testing.T) {
	xs := []float64{0.1, 2.3, -1.7, 4.4, 0.25, -3.3}
	x64 := values(graph.Float64, graph.Shape{2, 3}, xs...)
	x32 := values(graph.Float32, graph.Shape{2, 3}, xs...)
	run := func(x *graph.Value, stash int64) []*graph.Value {
		t.Helper()
		scale := values(x.DType(), graph.Shape{3}, 1, 1, 1)
		m, err := importModel(t, 17, map[string]*graph.Value{"x": x}, map[string]*graph.Value{"s": scale},
			[]tnode{{op: "LayerNormalization", in: []string{"x", "s"}, out: []string{"y", "mean", "inv"},
				attrs: []*pb.AttributeProto{intAttr("stash_type", stash)}}}, "y", "mean", "inv")
		if err != nil {
			t.Fatal(err)
		}
		out, err := m.Run()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	mixed, single := run(x64, int64(pb.TensorProto_FLOAT)), run(x32, int64(pb.TensorProto_FLOAT))
	for i := range xs {
		if mixed[0].F64[i] != float64(single[0].F32[i]) {
			t.Fatalf("element %d: %v with stash_type float, %v in float32", i, mixed[0].F64[i], single[0].F32[i])
		}
	}
	if mixed[1].DType() != graph.Float32 || mixed[2].DType() != graph.Float32 || !mixed[1].Shape.Equal(graph.Shape{2, 1}) {
		t.Fatalf("Mean is %s %s, InvStdDev %s: want float32 2x1", mixed[1].DType(), mixed[1].Shape, mixed[2].DType())
	}
	// The statistics themselves, by hand: mean and 1/√(var + 1e-5) of
	// each row.
	for r := 0; r < 2; r++ {
		row := xs[3*r : 3*r+3]
		mean := (row[0] + row[1] + row[2]) / 3
		v := 0.0
		for _, a := range row {
			v += (a - mean) * (a - mean) / 3
		}
		inv := 1 / math.Sqrt(v+float64(float32(1e-5)))
		if math.Abs(float64(mixed[1].F32[r])-mean) > 1e-6 || math.Abs(float64(mixed[2].F32[r])-inv) > 1e-6*inv {
			t.Errorf("row %d: mean %v, inv %v; want %v, %v", r, mixed[1].F32[r], mixed[2].F32[r], mean, inv)
		}
	}
	if _, err := importModel(t, 17, map[string]*graph.Value{"x": x64}, map[string]*graph.Value{"s": values(graph.Float64, graph.Shape{3}, 1, 1, 1)},
		[]tnode{{op: "LayerNormalization", in: []string{"x", "s"}, out: []string{"y"},
			attrs: []*pb.AttributeProto{intAttr("stash_type", int64(pb.TensorProto_FLOAT16))}}}, "y"); !onnx.IsUnsupported(err) {
		t.Errorf("stash_type float16: got %v, want unsupported", err)
	}
}

// TestBatchNormOutputs: before opset 14, five outputs mean training mode;
// the saved variance, which ONNX leaves undefined, is an error only where
// it is used. Opset 14's running statistics are ONNX's momentum updates.
func TestBatchNormOutputs(t *testing.T) {
	x := values(graph.Float64, graph.Shape{2, 2, 2}, 1, 2, 3, 5, -1, 0, 7, 9)
	inits := map[string]*graph.Value{
		"s": values(graph.Float64, graph.Shape{2}, 1, 2), "b": values(graph.Float64, graph.Shape{2}, 0, 1),
		"m": values(graph.Float64, graph.Shape{2}, 10, 20), "v": values(graph.Float64, graph.Shape{2}, 4, 8),
	}
	attrs := []*pb.AttributeProto{floatAttr("momentum", 0.75)}
	outs := []string{"y", "rm", "rv", "sm", "sv"}
	bn := tnode{op: "BatchNormalization", in: []string{"x", "s", "b", "m", "v"}, out: outs, attrs: attrs}
	m, err := importModel(t, 13, map[string]*graph.Value{"x": x}, inits, []tnode{bn}, "y", "rm", "sm")
	if err != nil {
		t.Fatal(err)
	}
	got, err := m.Run()
	if err != nil {
		t.Fatal(err)
	}
	// Channel 0 holds 1, 2, -1, 0 (mean 0.5), channel 1 3, 5, 7, 9 (mean 6).
	wantRM := []float64{0.75*10 + 0.25*0.5, 0.75*20 + 0.25*6}
	if !equalFloats(got[1].F64, wantRM) || !equalFloats(got[2].F64, []float64{0.5, 6}) {
		t.Errorf("running mean %v, saved mean %v; want %v, [0.5 6]", got[1].F64, got[2].F64, wantRM)
	}
	if _, err := importModel(t, 13, map[string]*graph.Value{"x": x}, inits, []tnode{bn}, "y", "sv"); !onnx.IsUnsupported(err) ||
		!strings.Contains(err.Error(), "variance") {
		t.Errorf("using saved_var: got %v, want unsupported", err)
	}
	bn14 := tnode{op: "BatchNormalization", in: bn.in, out: outs[:3], attrs: append(attrs, intAttr("training_mode", 1))}
	m, err = importModel(t, 15, map[string]*graph.Value{"x": x}, inits, []tnode{bn14}, "y", "rm", "rv")
	if err != nil {
		t.Fatal(err)
	}
	if got, err = m.Run(); err != nil {
		t.Fatal(err)
	}
	// Population variances: 1.25 and 5.
	wantRV := []float64{0.75*4 + 0.25*1.25, 0.75*8 + 0.25*5}
	if !equalFloats(got[1].F64, wantRM) || !equalFloats(got[2].F64, wantRV) {
		t.Errorf("running statistics %v %v, want %v %v", got[1].F64, got[2].F64, wantRM, wantRV)
	}
	bn14.attrs = attrs
	if _, err := importModel(t, 15, map[string]*graph.Value{"x": x}, inits, []tnode{bn14}, "y"); err == nil {
		t.Errorf("three outputs in inference mode: no error")
	}
}
