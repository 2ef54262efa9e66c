package onnx_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
)

func dim(d int64) *pb.TensorShapeProto_Dimension {
	return &pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimValue{DimValue: d}}
}

func tensorInfo(name string, elem pb.TensorProto_DataType, dims ...*pb.TensorShapeProto_Dimension) *pb.ValueInfoProto {
	return &pb.ValueInfoProto{Name: proto.String(name), Type: &pb.TypeProto{Value: &pb.TypeProto_TensorType{
		TensorType: &pb.TypeProto_Tensor{ElemType: proto.Int32(int32(elem)), Shape: &pb.TensorShapeProto{Dim: dims}}}}}
}

// model returns a one-node model y = op(x[, s]) on a 2×3 float64 x, with
// s an int64 graph input of 2 elements when withShape is set.
func model(opset int64, op string, withShape bool, attrs ...*pb.AttributeProto) *pb.ModelProto {
	in := []string{"x"}
	inputs := []*pb.ValueInfoProto{tensorInfo("x", pb.TensorProto_DOUBLE, dim(2), dim(3))}
	if withShape {
		in = append(in, "s")
		inputs = append(inputs, tensorInfo("s", pb.TensorProto_INT64, dim(2)))
	}
	return &pb.ModelProto{
		IrVersion:   proto.Int64(8),
		OpsetImport: []*pb.OperatorSetIdProto{{Domain: proto.String(""), Version: proto.Int64(opset)}},
		Graph: &pb.GraphProto{
			Name:   proto.String("g"),
			Node:   []*pb.NodeProto{{Name: proto.String("the_node"), OpType: proto.String(op), Input: in, Output: []string{"y"}, Attribute: attrs}},
			Input:  inputs,
			Output: []*pb.ValueInfoProto{{Name: proto.String("y")}},
		},
	}
}

func marshal(t testing.TB, m *pb.ModelProto) []byte {
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestImportErrorsAreOneLineAndNameTheCulprit(t *testing.T) {
	good := marshal(t, model(17, "Relu", false))
	if _, err := onnx.ImportBytes(good, onnx.Options{}); err != nil {
		t.Fatalf("the good model: %v", err)
	}
	mlp, err := os.ReadFile("testdata/models/mlp_logsoftmax/model.onnx")
	if err != nil {
		t.Fatal(err)
	}
	wrongInput := map[string]*graph.Value{"x": graph.NewValue(graph.Float64, graph.Shape{3, 2})}
	wrongType := map[string]*graph.Value{"x": graph.NewValue(graph.Float32, graph.Shape{2, 3})}
	unknown := map[string]*graph.Value{"z": graph.NewValue(graph.Float64, graph.Shape{2, 3})}
	missing := model(17, "Add", false)
	missing.Graph.Node[0].Input = []string{"x", "nowhere"}
	oddDim := model(17, "Relu", false)
	oddDim.Graph.Output[0] = tensorInfo("y", pb.TensorProto_DOUBLE,
		&pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "0\n0"}})
	noTensor := model(17, "Constant", false, &pb.AttributeProto{Name: proto.String("value"), Type: pb.AttributeProto_TENSOR.Enum()})
	noTensor.Graph.Node[0].Input = nil
	for _, tc := range []struct {
		name        string
		data        []byte
		opts        onnx.Options
		want        string
		unsupported bool
	}{
		{"not protobuf", []byte("this is no model"), onnx.Options{}, "not an ONNX model", false},
		{"truncated", mlp[:len(mlp)/2], onnx.Options{}, "not an ONNX model", false},
		{"empty", nil, onnx.Options{}, "not an ONNX model: no graph", false},
		{"new opset", marshal(t, model(18, "Relu", false)), onnx.Options{}, "unsupported opset 18", true},
		{"old form", marshal(t, model(11, "Softmax", false)), onnx.Options{}, `node "the_node" (Softmax): unsupported op Softmax at opset 11`, true},
		{"old padding", marshal(t, model(10, "AveragePool", false, &pb.AttributeProto{Name: proto.String("auto_pad"),
			Type: pb.AttributeProto_STRING.Enum(), S: []byte("SAME_UPPER")})), onnx.Options{}, `unsupported auto_pad SAME_UPPER at opset 10`, true},
		{"unknown op", marshal(t, model(17, "Frobnicate", false)), onnx.Options{}, `node "the_node" (Frobnicate): unsupported op Frobnicate`, true},
		{"unknown attribute", marshal(t, model(17, "Relu", false, &pb.AttributeProto{Name: proto.String("color"),
			Type: pb.AttributeProto_INT.Enum(), I: proto.Int64(1)})), onnx.Options{}, `node "the_node" (Relu): unsupported attribute "color"`, true},
		{"runtime shape", marshal(t, model(17, "Reshape", true)), onnx.Options{}, `node "the_node" (Reshape): input 1 (shape, "s") must be a constant`, false},
		{"missing input", marshal(t, missing), onnx.Options{}, `input "nowhere" is defined by no earlier node`, false},
		{"wrong shape", good, onnx.Options{Inputs: wrongInput}, `input "x": got shape 3x2, want 2x3`, false},
		{"wrong dtype", good, onnx.Options{Inputs: wrongType}, `input "x": got float32, want float64`, false},
		{"odd dim_param", marshal(t, oddDim), onnx.Options{}, `graph output "y": computed with shape 2x3, the file declares "0\n0"`, false},
		{"attribute without its tensor", marshal(t, noTensor), onnx.Options{}, `node "the_node" (Constant): attribute "value": no tensor`, false},
		{"unknown input", good, onnx.Options{Inputs: unknown}, `input "z": the model has no such input`, false},
	} {
		_, err := onnx.ImportBytes(tc.data, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line with %q", tc.name, err, tc.want)
			continue
		}
		if onnx.IsUnsupported(err) != tc.unsupported {
			t.Errorf("%s: IsUnsupported = %v, want %v", tc.name, !tc.unsupported, tc.unsupported)
		}
	}
}

// TestShapeGivenByInputValue: a symbolic batch axis takes the given
// input's length, and a Reshape's shape given as an input value is built
// into the graph (and reported in Fixed).
func TestShapeGivenByInputValue(t *testing.T) {
	m := model(13, "Reshape", true)
	m.Graph.Input[0] = tensorInfo("x", pb.TensorProto_DOUBLE,
		&pb.TensorShapeProto_Dimension{Value: &pb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}}, dim(3))
	x := graph.NewValue(graph.Float64, graph.Shape{4, 3})
	for i := range x.F64 {
		x.F64[i] = float64(i)
	}
	s := graph.NewValue(graph.Int64, graph.Shape{2})
	s.I64[0], s.I64[1] = 3, -1
	got, err := onnx.ImportBytes(marshal(t, m), onnx.Options{Inputs: map[string]*graph.Value{"x": x, "s": s}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := got.Run()
	if err != nil {
		t.Fatal(err)
	}
	if !out[0].Shape.Equal(graph.Shape{3, 4}) || out[0].F64[11] != 11 || len(got.Fixed) != 1 || got.Fixed[0] != "s" {
		t.Fatalf("got %s %v, fixed %v", out[0].Shape, out[0].F64, got.Fixed)
	}
	if _, err := onnx.ImportBytes(marshal(t, m), onnx.Options{}); err == nil || !strings.Contains(err.Error(), `dimension 0 is "batch"`) {
		t.Fatalf("without a value for x: %v", err)
	}
}

func TestTensorRoundTrip(t *testing.T) {
	for _, dt := range []graph.DType{graph.Float32, graph.Float64, graph.Int32, graph.Int64, graph.Bool} {
		v := graph.NewValue(dt, graph.Shape{2, 3})
		for i := 0; i < v.Len(); i++ {
			v.SetAt(i, float64(i%2*(i+1)))
		}
		var buf bytes.Buffer
		if err := onnx.WriteTensor(&buf, "t", v); err != nil {
			t.Fatal(err)
		}
		name, got, err := onnx.ReadTensor(&buf)
		if err != nil || name != "t" || got.DType() != dt || !got.Shape.Equal(v.Shape) {
			t.Fatalf("%s: got %q %v %v", dt, name, got, err)
		}
		for i := 0; i < v.Len(); i++ {
			if got.At(i) != v.At(i) {
				t.Fatalf("%s: element %d is %v, want %v", dt, i, got.At(i), v.At(i))
			}
		}
	}
	// A tensor whose data does not match its dims is an error, not a
	// huge allocation or a panic.
	bad := &pb.TensorProto{Dims: []int64{1 << 40, 1 << 40}, DataType: proto.Int32(int32(pb.TensorProto_FLOAT))}
	if _, _, err := onnx.ReadTensor(bytes.NewReader(marshalTensor(t, bad))); err == nil {
		t.Fatal("no error for dims without data")
	}
}

func marshalTensor(t testing.TB, m proto.Message) []byte {
	data, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// FuzzImport feeds the model reader arbitrary bytes, starting from the
// vendored backend tests and the PyTorch models: it must return a model or
// an error, never panic, and a model it returns must run (when small).
func FuzzImport(f *testing.F) {
	for _, pat := range []string{"testdata/node/test_*/model.onnx", "testdata/models/*/model.onnx"} {
		paths, _ := filepath.Glob(pat)
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte{})
	f.Add([]byte("\x08\x08"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := onnx.ImportBytes(data, onnx.Options{})
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		size := 0
		for _, n := range m.Graph.Nodes() {
			size += n.Shape().Size()
		}
		if size > 1<<20 {
			return
		}
		if _, err := m.Run(); err != nil {
			_ = err // a kernel may refuse the data (an index out of range)
		}
	})
}
