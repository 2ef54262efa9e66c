package onnx

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/onnx/internal/pb"
)

// maxElements bounds a tensor the reader materialises (a constant, a folded
// value, a tensor file): 2^28 elements, 2 GiB of float64. A larger one in a
// model file is far more likely a corrupt or hostile file than a model, and
// is an error rather than an allocation that brings the process down.
const maxElements = 1 << 28

// dtypeOf returns the graph dtype of an ONNX element type, or an
// *UnsupportedError naming it.
func dtypeOf(t int32) (graph.DType, error) {
	switch pb.TensorProto_DataType(t) {
	case pb.TensorProto_FLOAT:
		return graph.Float32, nil
	case pb.TensorProto_DOUBLE:
		return graph.Float64, nil
	case pb.TensorProto_INT32:
		return graph.Int32, nil
	case pb.TensorProto_INT64:
		return graph.Int64, nil
	case pb.TensorProto_BOOL:
		return graph.Bool, nil
	}
	return 0, &UnsupportedError{What: "element type " + elemName(t)}
}

// elemName returns the ONNX name of an element type ("float16").
func elemName(t int32) string {
	if s, ok := pb.TensorProto_DataType_name[t]; ok {
		return strings.ToLower(s)
	}
	return fmt.Sprintf("element type %d", t)
}

// onnxType returns the ONNX element type of a graph dtype.
func onnxType(dt graph.DType) pb.TensorProto_DataType {
	switch dt {
	case graph.Float32:
		return pb.TensorProto_FLOAT
	case graph.Float64:
		return pb.TensorProto_DOUBLE
	case graph.Int32:
		return pb.TensorProto_INT32
	case graph.Int64:
		return pb.TensorProto_INT64
	}
	return pb.TensorProto_BOOL
}

// elemSize returns the bytes of one element of dt in raw_data.
func elemSize(dt graph.DType) int {
	switch dt {
	case graph.Float32, graph.Int32:
		return 4
	case graph.Bool:
		return 1
	}
	return 8
}

// shapeOf checks a tensor's dims and returns them as a shape.
func shapeOf(dims []int64) (graph.Shape, error) {
	if len(dims) > graph.MaxRank {
		return nil, fmt.Errorf("rank %d is above %d", len(dims), graph.MaxRank)
	}
	s := make(graph.Shape, len(dims))
	size := int64(1)
	for i, d := range dims {
		if d < 0 {
			return nil, fmt.Errorf("dims %v have a negative entry", dims)
		}
		if d > 0 && size > maxElements/d {
			return nil, fmt.Errorf("dims %v hold more than %d elements", dims, maxElements)
		}
		size *= d
		s[i] = int(d)
	}
	return s, nil
}

// valueOf converts a TensorProto to a graph value. Data may come in
// raw_data (little-endian) or in the typed fields; its length must match
// the dims.
func valueOf(t *pb.TensorProto) (*graph.Value, error) {
	if t == nil {
		return nil, errors.New("no tensor")
	}
	if t.GetDataLocation() == pb.TensorProto_EXTERNAL || len(t.GetExternalData()) > 0 {
		return nil, &UnsupportedError{What: "external tensor data"}
	}
	if t.Segment != nil {
		return nil, &UnsupportedError{What: "segmented tensor data"}
	}
	dt, err := dtypeOf(t.GetDataType())
	if err != nil {
		return nil, err
	}
	s, err := shapeOf(t.GetDims())
	if err != nil {
		return nil, err
	}
	n := s.Size()
	raw := t.GetRawData()
	var have int
	switch {
	case raw != nil:
		have = len(raw) / elemSize(dt)
		if len(raw)%elemSize(dt) != 0 {
			have = -1
		}
	case dt == graph.Float32:
		have = len(t.GetFloatData())
	case dt == graph.Float64:
		have = len(t.GetDoubleData())
	case dt == graph.Int64:
		have = len(t.GetInt64Data())
	default: // int32 and bool travel in int32_data
		have = len(t.GetInt32Data())
	}
	if have != n {
		return nil, fmt.Errorf("%s tensor of shape %s holds %d elements of data, want %d", dt, s, have, n)
	}
	v := graph.NewValue(dt, s)
	if raw != nil {
		decodeRaw(v, raw)
		return v, nil
	}
	switch dt {
	case graph.Float32:
		copy(v.F32, t.GetFloatData())
	case graph.Float64:
		copy(v.F64, t.GetDoubleData())
	case graph.Int32:
		copy(v.I32, t.GetInt32Data())
	case graph.Int64:
		copy(v.I64, t.GetInt64Data())
	case graph.Bool:
		for i, x := range t.GetInt32Data() {
			v.B[i] = x != 0
		}
	}
	return v, nil
}

// decodeRaw fills v from little-endian raw_data of the right length.
func decodeRaw(v *graph.Value, raw []byte) {
	le := binary.LittleEndian
	switch v.DType() {
	case graph.Float32:
		for i := range v.F32 {
			v.F32[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case graph.Float64:
		for i := range v.F64 {
			v.F64[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
	case graph.Int32:
		for i := range v.I32 {
			v.I32[i] = int32(le.Uint32(raw[4*i:]))
		}
	case graph.Int64:
		for i := range v.I64 {
			v.I64[i] = int64(le.Uint64(raw[8*i:]))
		}
	case graph.Bool:
		for i := range v.B {
			v.B[i] = raw[i] != 0
		}
	}
}

// tensorOf converts a graph value to a TensorProto with raw_data.
func tensorOf(name string, v *graph.Value) *pb.TensorProto {
	dt := v.DType()
	t := &pb.TensorProto{DataType: proto.Int32(int32(onnxType(dt)))}
	if name != "" {
		t.Name = proto.String(name)
	}
	for _, d := range v.Shape {
		t.Dims = append(t.Dims, int64(d))
	}
	n := v.Len()
	raw := make([]byte, n*elemSize(dt))
	le := binary.LittleEndian
	for i := 0; i < n; i++ {
		switch dt {
		case graph.Float32:
			le.PutUint32(raw[4*i:], math.Float32bits(v.F32[i]))
		case graph.Float64:
			le.PutUint64(raw[8*i:], math.Float64bits(v.F64[i]))
		case graph.Int32:
			le.PutUint32(raw[4*i:], uint32(v.I32[i]))
		case graph.Int64:
			le.PutUint64(raw[8*i:], uint64(v.I64[i]))
		case graph.Bool:
			if v.B[i] {
				raw[i] = 1
			}
		}
	}
	t.RawData = raw
	return t
}

// ReadTensor reads one serialized ONNX TensorProto, as in the input_0.pb
// files of ONNX's backend test data, and returns its name (possibly empty)
// and value.
func ReadTensor(r io.Reader) (name string, v *graph.Value, err error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return "", nil, err
	}
	var t pb.TensorProto
	if err := proto.Unmarshal(data, &t); err != nil {
		return "", nil, fmt.Errorf("onnx: not a TensorProto: %v", err)
	}
	v, err = valueOf(&t)
	if err != nil {
		return "", nil, fmt.Errorf("onnx: tensor %q: %w", t.GetName(), err)
	}
	return t.GetName(), v, nil
}

// WriteTensor writes v as one serialized ONNX TensorProto called name.
func WriteTensor(w io.Writer, name string, v *graph.Value) error {
	data, err := proto.Marshal(tensorOf(name, v))
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}
