package onnx_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
)

func intsAttr(name string, v ...int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INTS.Enum(), Ints: v}
}

func intAttr(name string, v int64) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(v)}
}

func floatAttr(name string, v float32) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_FLOAT.Enum(), F: proto.Float32(v)}
}

func strAttr(name, v string) *pb.AttributeProto {
	return &pb.AttributeProto{Name: proto.String(name), Type: pb.AttributeProto_STRING.Enum(), S: []byte(v)}
}

// oneNode is a model of one node on x, a float64 graph input of shape xs,
// and int64 initializers (constants), with the node's outputs as the
// graph's.
type oneNode struct {
	opset int64
	op    string
	xs    []int64
	in    []string // after "x"
	inits map[string][]int64
	outs  []string
	attrs []*pb.AttributeProto
}

func (o oneNode) build() *pb.ModelProto {
	dims := make([]*pb.TensorShapeProto_Dimension, len(o.xs))
	for i, d := range o.xs {
		dims[i] = dim(d)
	}
	g := &pb.GraphProto{
		Name:  proto.String("g"),
		Node:  []*pb.NodeProto{{Name: proto.String("the_node"), OpType: proto.String(o.op), Input: append([]string{"x"}, o.in...), Output: o.outs, Attribute: o.attrs}},
		Input: []*pb.ValueInfoProto{tensorInfo("x", pb.TensorProto_DOUBLE, dims...)},
	}
	for name, v := range o.inits {
		g.Initializer = append(g.Initializer, &pb.TensorProto{Name: proto.String(name), DataType: proto.Int32(int32(pb.TensorProto_INT64)),
			Dims: []int64{int64(len(v))}, Int64Data: v})
	}
	for _, out := range o.outs {
		g.Output = append(g.Output, &pb.ValueInfoProto{Name: proto.String(out)})
	}
	return &pb.ModelProto{IrVersion: proto.Int64(8), Graph: g,
		OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(o.opset)}}}
}

// run imports the model with x = 0, 1, 2, … and runs it.
func (o oneNode) run(t *testing.T) ([]*graph.Value, error) {
	t.Helper()
	n := int64(1)
	s := make(graph.Shape, len(o.xs))
	for i, d := range o.xs {
		n *= d
		s[i] = int(d)
	}
	x := graph.NewValue(graph.Float64, s)
	for i := range x.F64 {
		x.F64[i] = float64(i)
	}
	m, err := onnx.ImportBytes(marshal(t, o.build()), onnx.Options{Inputs: map[string]*graph.Value{"x": x}})
	if err != nil {
		return nil, err
	}
	return m.Run()
}

// TestAttributeFormsOfOlderOpsets: the ops whose arguments became inputs
// (Squeeze, Unsqueeze, ReduceSum and Split in opset 13, Slice in 10, Pad in
// 11) read their attribute form at older opsets, with the same results as
// the input form; each form at the other's opset is an error.
func TestAttributeFormsOfOlderOpsets(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, new oneNode
		want     [][]float64 // the outputs for x = 0, 1, 2, …
	}{
		{"Squeeze",
			oneNode{opset: 11, op: "Squeeze", xs: []int64{1, 3}, outs: []string{"y"}, attrs: []*pb.AttributeProto{intsAttr("axes", 0)}},
			oneNode{opset: 13, op: "Squeeze", xs: []int64{1, 3}, in: []string{"a"}, inits: map[string][]int64{"a": {0}}, outs: []string{"y"}},
			[][]float64{{0, 1, 2}}},
		{"Unsqueeze",
			oneNode{opset: 11, op: "Unsqueeze", xs: []int64{3}, outs: []string{"y"}, attrs: []*pb.AttributeProto{intsAttr("axes", -1)}},
			oneNode{opset: 13, op: "Unsqueeze", xs: []int64{3}, in: []string{"a"}, inits: map[string][]int64{"a": {-1}}, outs: []string{"y"}},
			[][]float64{{0, 1, 2}}},
		{"ReduceSum",
			oneNode{opset: 11, op: "ReduceSum", xs: []int64{2, 3}, outs: []string{"y"}, attrs: []*pb.AttributeProto{intsAttr("axes", 1), intAttr("keepdims", 0)}},
			oneNode{opset: 13, op: "ReduceSum", xs: []int64{2, 3}, in: []string{"a"}, inits: map[string][]int64{"a": {1}}, outs: []string{"y"},
				attrs: []*pb.AttributeProto{intAttr("keepdims", 0)}},
			[][]float64{{3, 12}}},
		{"Split",
			oneNode{opset: 11, op: "Split", xs: []int64{2, 3}, outs: []string{"y0", "y1"}, attrs: []*pb.AttributeProto{intsAttr("split", 1, 2), intAttr("axis", 1)}},
			oneNode{opset: 13, op: "Split", xs: []int64{2, 3}, in: []string{"s"}, inits: map[string][]int64{"s": {1, 2}}, outs: []string{"y0", "y1"},
				attrs: []*pb.AttributeProto{intAttr("axis", 1)}},
			[][]float64{{0, 3}, {1, 2, 4, 5}}},
		{"Slice",
			oneNode{opset: 9, op: "Slice", xs: []int64{2, 3}, outs: []string{"y"},
				attrs: []*pb.AttributeProto{intsAttr("starts", 1, -2), intsAttr("ends", 9223372036854775807, 3), intsAttr("axes", 0, 1)}},
			oneNode{opset: 13, op: "Slice", xs: []int64{2, 3}, in: []string{"s", "e", "a"},
				inits: map[string][]int64{"s": {1, -2}, "e": {9223372036854775807, 3}, "a": {0, 1}}, outs: []string{"y"}},
			[][]float64{{4, 5}}},
		{"Pad",
			oneNode{opset: 10, op: "Pad", xs: []int64{1, 2}, outs: []string{"y"},
				attrs: []*pb.AttributeProto{intsAttr("pads", 0, 1, 0, 0), strAttr("mode", "edge")}},
			oneNode{opset: 13, op: "Pad", xs: []int64{1, 2}, in: []string{"p"}, inits: map[string][]int64{"p": {0, 1, 0, 0}}, outs: []string{"y"},
				attrs: []*pb.AttributeProto{strAttr("mode", "edge")}},
			[][]float64{{0, 0, 1}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, m := range []oneNode{tc.old, tc.new} {
				got, err := m.run(t)
				if err != nil {
					t.Fatalf("opset %d: %v", m.opset, err)
				}
				for k, want := range tc.want {
					if !equalFloats(got[k].F64, want) {
						t.Errorf("opset %d: output %d is %v, want %v", m.opset, k, got[k].F64, want)
					}
				}
			}
			swapped := []oneNode{tc.old, tc.new}
			swapped[0].opset, swapped[1].opset = tc.new.opset, tc.old.opset
			for _, m := range swapped {
				if _, err := m.run(t); err == nil {
					t.Errorf("the %s form at opset %d: no error", map[bool]string{true: "attribute", false: "input"}[len(m.in) == 0], m.opset)
				}
			}
		})
	}
}

// TestOlderMeaningsAreUnsupported: where an op meant something else at the
// model's opset, the node is unsupported, naming the op and the opset.
func TestOlderMeaningsAreUnsupported(t *testing.T) {
	for _, m := range []oneNode{
		{opset: 12, op: "Softmax", xs: []int64{2, 3}, outs: []string{"y"}},
		{opset: 10, op: "OneHot", xs: []int64{3}, in: []string{"d", "v"}, inits: map[string][]int64{"d": {3}, "v": {0, 1}}, outs: []string{"y"}},
		{opset: 10, op: "Clip", xs: []int64{3}, outs: []string{"y"}, attrs: []*pb.AttributeProto{floatAttr("min", 0)}},
		{opset: 10, op: "MaxPool", xs: []int64{1, 1, 3}, outs: []string{"y"}, attrs: []*pb.AttributeProto{strAttr("auto_pad", "SAME_UPPER"), intsAttr("kernel_shape", 2)}},
	} {
		_, err := m.run(t)
		if !onnx.IsUnsupported(err) || !strings.Contains(err.Error(), m.op) {
			t.Errorf("%s at opset %d: got %v, want an unsupported error naming it", m.op, m.opset, err)
		}
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
