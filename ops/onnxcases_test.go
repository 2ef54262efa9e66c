package ops_test

// The convolution and pooling cases of ONNX's backend tests, run straight
// from their files where the machine has them (Debian's libonnx-testdata):
// all of them, the large ones (32×32×32 inputs) included, which the forward
// cases copy only in part. Each case is a model.onnx holding one node and
// test_data_set_0 with its inputs and outputs as TensorProtos; a few lines
// of protobuf wire format read what the test needs.

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/ops"
)

const onnxNodeTests = "/usr/share/libonnx-testdata/data/node"

// TestONNXBackendConvAndPoolCases runs every Conv, ConvTranspose, MaxPool,
// AveragePool, GlobalMaxPool and GlobalAveragePool case of ONNX's backend
// tests in float32 and float64 (but those of integer types).
func TestONNXBackendConvAndPoolCases(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(onnxNodeTests, "test_*"))
	if len(dirs) == 0 {
		t.Skip("no ONNX backend test data at " + onnxNodeTests)
	}
	pick := regexp.MustCompile(`^test_(basic_conv_with|conv_with|convtranspose|maxpool|averagepool|global)`)
	ran := 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		if !pick.MatchString(name) || name == "test_maxpool_2d_uint8" {
			continue
		}
		ran++
		t.Run(name, func(t *testing.T) {
			op, attrs := readONNXNode(t, filepath.Join(dir, "model.onnx"))
			ins := readONNXTensors(t, filepath.Join(dir, "test_data_set_0", "input_*.pb"))
			outs := readONNXTensors(t, filepath.Join(dir, "test_data_set_0", "output_*.pb"))
			for _, dt := range []graph.DType{graph.Float32, graph.Float64} {
				g := graph.New()
				in := make([]*graph.Node, len(ins))
				for i, v := range ins {
					in[i] = g.Input(fmt.Sprint("x", i), dt, v.shape...)
					require.NoError(t, in[i].SetFloat64s(v.v))
				}
				res := buildONNX(t, op, attrs, in)
				require.NoError(t, g.Err())
				require.GreaterOrEqual(t, len(res), len(outs))
				res = res[:len(outs)]
				p, err := g.Compile(res...)
				require.NoError(t, err)
				p.Run()
				for k, want := range outs {
					require.Truef(t, want.shape.Equal(res[k].Shape()), "%s output %d: shape %s, want %s", dt, k, res[k].Shape(), want.shape)
					got := res[k].Storage()
					for i, w := range want.v {
						if d := math.Abs(got.At(i) - w); d > 1e-5*max(1, math.Abs(w)) {
							t.Fatalf("%s output %d element %d: got %g, want %g", dt, k, i, got.At(i), w)
						}
					}
				}
			}
		})
	}
	require.Greater(t, ran, 40, "the ONNX cases were not found")
}

// buildONNX applies the ONNX node op with attrs to in, returning its
// outputs (MaxPool's Indices as a second output when the case has one).
func buildONNX(t *testing.T, op string, a map[string]onnxAttr, in []*graph.Node) []*graph.Node {
	autoPad := map[string]ops.AutoPad{"": ops.AutoPadNotSet, "NOTSET": ops.AutoPadNotSet, "SAME_UPPER": ops.AutoPadSameUpper,
		"SAME_LOWER": ops.AutoPadSameLower, "VALID": ops.AutoPadValid}[a["auto_pad"].s]
	var b *graph.Node
	if len(in) > 2 {
		b = in[2]
	}
	switch op {
	case "Conv":
		return []*graph.Node{ops.Conv(in[0], in[1], b, ops.ConvOptions{Strides: a["strides"].ints, Pads: a["pads"].ints, AutoPad: autoPad,
			Dilations: a["dilations"].ints, Group: int(a["group"].i)})}
	case "ConvTranspose":
		return []*graph.Node{ops.ConvTranspose(in[0], in[1], b, ops.ConvTransposeOptions{Strides: a["strides"].ints, Pads: a["pads"].ints,
			AutoPad: autoPad, Dilations: a["dilations"].ints, Group: int(a["group"].i), OutputPadding: a["output_padding"].ints,
			OutputShape: a["output_shape"].ints})}
	case "MaxPool":
		o := ops.MaxPoolOptions{KernelShape: a["kernel_shape"].ints, Strides: a["strides"].ints, Pads: a["pads"].ints, AutoPad: autoPad,
			CeilMode: a["ceil_mode"].i != 0, Dilations: a["dilations"].ints, StorageOrder: int(a["storage_order"].i)}
		return []*graph.Node{ops.MaxPool(in[0], o), ops.MaxPoolIndices(in[0], o)}
	case "AveragePool":
		return []*graph.Node{ops.AveragePool(in[0], ops.AveragePoolOptions{KernelShape: a["kernel_shape"].ints, Strides: a["strides"].ints,
			Pads: a["pads"].ints, AutoPad: autoPad, CeilMode: a["ceil_mode"].i != 0, CountIncludePad: a["count_include_pad"].i != 0})}
	case "GlobalMaxPool":
		return []*graph.Node{ops.GlobalMaxPool(in[0])}
	case "GlobalAveragePool":
		return []*graph.Node{ops.GlobalAveragePool(in[0])}
	}
	t.Fatalf("unexpected op %s", op)
	return nil
}

// onnxAttr is an AttributeProto's int, ints or string.
type onnxAttr struct {
	i    int64
	ints []int
	s    string
}

// pbField is one field of a protobuf message: its number, and its varint
// or fixed value, or its bytes.
type pbField struct {
	num int
	v   uint64
	b   []byte
}

// pbFields splits a protobuf message into its fields.
func pbFields(t *testing.T, b []byte) []pbField {
	var fs []pbField
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		require.Positive(t, n, "bad protobuf key")
		b = b[n:]
		f := pbField{num: int(key >> 3)}
		switch key & 7 {
		case 0:
			f.v, n = binary.Uvarint(b)
			require.Positive(t, n, "bad protobuf varint")
			b = b[n:]
		case 1:
			f.v, b = binary.LittleEndian.Uint64(b), b[8:]
		case 2:
			l, n := binary.Uvarint(b)
			require.Positive(t, n, "bad protobuf length")
			f.b, b = b[n:n+int(l)], b[n+int(l):]
		case 5:
			f.v, b = uint64(binary.LittleEndian.Uint32(b)), b[4:]
		default:
			t.Fatalf("unexpected protobuf wire type %d", key&7)
		}
		fs = append(fs, f)
	}
	return fs
}

// pbInts returns the int64s of a repeated field, packed (f.b) or not.
func pbInts(f pbField) []int64 {
	if f.b == nil {
		return []int64{int64(f.v)}
	}
	var out []int64
	for b := f.b; len(b) > 0; {
		v, n := binary.Uvarint(b)
		out, b = append(out, int64(v)), b[n:]
	}
	return out
}

// readONNXNode returns the op type and attributes of the one node of a
// model (ModelProto.graph = 7, GraphProto.node = 1, NodeProto.op_type =
// 4, attribute = 5; AttributeProto.name = 1, i = 3, s = 4, ints = 8).
func readONNXNode(t *testing.T, path string) (string, map[string]onnxAttr) {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var node []byte
	for _, f := range pbFields(t, data) {
		if f.num == 7 {
			for _, g := range pbFields(t, f.b) {
				if g.num == 1 {
					node = g.b
				}
			}
		}
	}
	require.NotNil(t, node, "no node in %s", path)
	op, attrs := "", map[string]onnxAttr{}
	for _, f := range pbFields(t, node) {
		switch f.num {
		case 4:
			op = string(f.b)
		case 5:
			var name string
			var a onnxAttr
			for _, g := range pbFields(t, f.b) {
				switch g.num {
				case 1:
					name = string(g.b)
				case 3:
					a.i = int64(g.v)
				case 4:
					a.s = string(g.b)
				case 8:
					for _, v := range pbInts(g) {
						a.ints = append(a.ints, int(v))
					}
				}
			}
			attrs[name] = a
		}
	}
	return op, attrs
}

// readONNXTensors reads the TensorProtos matching pattern, in name order
// (dims = 1, data_type = 2, float_data = 4, int64_data = 7, raw_data = 9;
// data types 1 float32 and 7 int64).
func readONNXTensors(t *testing.T, pattern string) []val {
	files, _ := filepath.Glob(pattern)
	sort.Strings(files)
	var out []val
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		var v val
		var dtype uint64
		var raw []byte
		var floats []float64
		for _, f := range pbFields(t, data) {
			switch f.num {
			case 1:
				for _, d := range pbInts(f) {
					v.shape = append(v.shape, int(d))
				}
			case 2:
				dtype = f.v
			case 4:
				for b := f.b; len(b) >= 4; b = b[4:] {
					floats = append(floats, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
				}
			case 7:
				for _, x := range pbInts(f) {
					floats = append(floats, float64(x))
				}
			case 9:
				raw = f.b
			}
		}
		switch dtype {
		case 1:
			v.dt = graph.Float32
			for b := raw; len(b) >= 4; b = b[4:] {
				floats = append(floats, float64(math.Float32frombits(binary.LittleEndian.Uint32(b))))
			}
		case 7:
			v.dt = graph.Int64
			for b := raw; len(b) >= 8; b = b[8:] {
				floats = append(floats, float64(int64(binary.LittleEndian.Uint64(b))))
			}
		default:
			t.Fatalf("%s: data type %d", file, dtype)
		}
		require.Equal(t, v.shape.Size(), len(floats), file)
		v.v = floats
		out = append(out, v)
	}
	return out
}
