package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/internal/jsonobj"
	"github.com/gradgraph/gradgraph/internal/regular"
)

// Saved parameters are a safetensors file
// (https://huggingface.co/docs/safetensors), the format PyTorch's
// safetensors.torch.load_file reads:
//
//	8 bytes   N, the length of the header, little-endian
//	N bytes   a JSON object: for each tensor, its name mapped to
//	          {"dtype": "F32" or "F64", "shape": [...], "data_offsets": [begin, end]},
//	          and optionally "__metadata__" mapped to an object of strings
//	the rest  the tensors' elements, little-endian, row-major, each
//	          tensor at [begin, end) of this data section
//
// A model that names its params after a PyTorch module's state_dict
// ("conv1.weight", with the same layouts) saves a file that the module
// loads as it is. Reading checks the file as hostile: every length and
// offset against the file's size and against the others (the tensors must
// tile the data section, as the format's reference implementation
// demands), and every tensor against the node that receives it by name,
// shape and dtype; nothing is copied unless everything fits.

// maxParamsBytes bounds a params file that LoadParams reads: 4 GiB.
const maxParamsBytes = 4 << 30

// maxHeaderBytes bounds a safetensors header, as the format's reference
// implementation does: 100 MB.
const maxHeaderBytes = 100_000_000

// metadataKey is the header's entry for the file's metadata.
const metadataKey = "__metadata__"

// SaveParams writes the values of nodes, each under its name, to path in
// the safetensors format, atomically (a crash leaves the old file or the
// new one). The nodes are params, or any named float nodes worth keeping
// with them (the running statistics of a batch normalisation); metadata,
// which may be nil, goes into the header's "__metadata__".
func SaveParams(path string, nodes []*graph.Node, metadata map[string]string) error {
	if err := checkSaved(nodes, metadata); err != nil {
		return fmt.Errorf("train: save params: %w", err)
	}
	err := atomicfile.Write(path, 0o666, func(w io.Writer) error { return WriteParams(w, nodes, metadata) })
	if err != nil {
		return fmt.Errorf("train: save params: %w", err)
	}
	return nil
}

// WriteParams writes what SaveParams writes to w.
func WriteParams(w io.Writer, nodes []*graph.Node, metadata map[string]string) error {
	if err := checkSaved(nodes, metadata); err != nil {
		return fmt.Errorf("train: write params: %w", err)
	}
	type entry struct {
		DType   string `json:"dtype"`
		Shape   []int  `json:"shape"`
		Offsets [2]int `json:"data_offsets"`
	}
	header := map[string]any{}
	if len(metadata) > 0 {
		header[metadataKey] = metadata
	}
	size := 0
	for _, n := range nodes {
		b := n.Storage().Len() * stSizes[stDType(n.DType())]
		header[n.Name()] = entry{stDType(n.DType()), append([]int{}, n.Shape()...), [2]int{size, size + b}}
		size += b
	}
	h, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("train: write params: %w", err)
	}
	// Spaces pad the header so that the data start 8-byte aligned.
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	buf := make([]byte, 8, 8+len(h)+size)
	binary.LittleEndian.PutUint64(buf, uint64(len(h)))
	buf = append(buf, h...)
	for _, n := range nodes {
		v := n.Storage()
		switch v.DType() {
		case graph.Float32:
			for _, x := range v.F32 {
				buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(x))
			}
		case graph.Float64:
			for _, x := range v.F64 {
				buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(x))
			}
		}
	}
	_, err = w.Write(buf)
	return err
}

// checkSaved says why nodes cannot be saved: a node without a name, of
// another dtype than float32 or float64, or whose name another node (or
// the metadata's entry) has.
func checkSaved(nodes []*graph.Node, metadata map[string]string) error {
	seen := map[string]bool{}
	for _, n := range nodes {
		switch {
		case n == nil:
			return errors.New("a nil node")
		case !n.HasName():
			return fmt.Errorf("node %s has no name", n.Name())
		case n.DType() != graph.Float32 && n.DType() != graph.Float64:
			return fmt.Errorf("%s is %s: only float32 and float64 values are saved", n.Name(), n.DType())
		case n.Name() == metadataKey:
			return fmt.Errorf("a node is named %s, the format's name for the metadata", metadataKey)
		case seen[n.Name()]:
			return fmt.Errorf("two nodes are named %s", n.Name())
		case n.BatchAxis() >= 0:
			return fmt.Errorf("%s is a batched input, not a param", n.Name())
		}
		seen[n.Name()] = true
	}
	for k, v := range metadata {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return fmt.Errorf("metadata %q: not UTF-8", k)
		}
	}
	return nil
}

// stDType is the safetensors name of a float dtype.
func stDType(dt graph.DType) string {
	if dt == graph.Float64 {
		return "F64"
	}
	return "F32"
}

// stSizes are the element sizes of the dtypes of safetensors, by name.
var stSizes = map[string]int{"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2,
	"BF16": 2, "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8}

// LoadParams reads a safetensors file (as SaveParams writes it, or
// PyTorch's safetensors for a module whose state_dict has the same names)
// into nodes, and returns its metadata. The file must hold exactly the
// nodes' names, each with the node's shape and dtype; otherwise the error
// (one line) names the first tensor that does not fit and the nodes are
// left as they were.
func LoadParams(path string, nodes []*graph.Node) (map[string]string, error) {
	data, err := regular.ReadFile(path, maxParamsBytes, "the 4 GiB a params file may have")
	if err != nil {
		return nil, fmt.Errorf("train: load params: %w", err)
	}
	meta, err := ReadParams(data, nodes)
	if err != nil {
		return nil, fmt.Errorf("train: load params: %s: %w", path, err)
	}
	return meta, nil
}

// ReadParams is LoadParams on the bytes of a file. Its errors say what is
// wrong without naming a file.
func ReadParams(data []byte, nodes []*graph.Node) (map[string]string, error) {
	f, err := parseSafetensors(data)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, n := range nodes {
		if n == nil {
			return nil, errors.New("a nil node")
		}
		names[n.Name()] = true
		t, ok := f.tensors[n.Name()]
		if !ok {
			return nil, fmt.Errorf("no tensor %s, which the model has", n.Name())
		}
		if want := stDType(n.DType()); !n.DType().IsFloat() || t.dtype != want {
			return nil, fmt.Errorf("%s: dtype %s, the model's is %s (%s)", n.Name(), t.dtype, n.DType(), want)
		}
		if !graph.Shape(t.shape).Equal(n.Shape()) {
			return nil, fmt.Errorf("%s: shape %v, the model's is %v", n.Name(), t.shape, []int(n.Shape()))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(f.tensors)) {
		if !names[k] {
			return nil, fmt.Errorf("%s: the model has no such param", k)
		}
	}
	for _, n := range nodes {
		t := f.tensors[n.Name()]
		raw := f.data[t.begin:t.end]
		v := n.Storage()
		switch v.DType() {
		case graph.Float32:
			for i := range v.F32 {
				v.F32[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		case graph.Float64:
			for i := range v.F64 {
				v.F64[i] = math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:]))
			}
		}
	}
	return f.metadata, nil
}

// stTensor is one entry of a safetensors header.
type stTensor struct {
	dtype      string
	shape      []int
	begin, end int
}

// stFile is a parsed safetensors file: its tensors by name, checked
// against its data section, and its metadata.
type stFile struct {
	tensors  map[string]stTensor
	metadata map[string]string
	data     []byte
}

// parseSafetensors checks a whole safetensors file and returns its parts.
func parseSafetensors(data []byte) (*stFile, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("%d bytes: too short for a safetensors file (8 bytes of header length, then the header)", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeaderBytes || n > uint64(len(data)-8) {
		return nil, fmt.Errorf("header length %d: more than the %d bytes that follow it (or the %d a header may have)", n, len(data)-8, maxHeaderBytes)
	}
	raw := data[8 : 8+n]
	if !utf8.Valid(raw) {
		return nil, errors.New("header: not UTF-8")
	}
	entries, err := jsonobj.Fields("header", raw, nil, nil)
	if err != nil {
		return nil, err
	}
	f := &stFile{tensors: map[string]stTensor{}, data: data[8+n:]}
	if m, ok := entries[metadataKey]; ok {
		if f.metadata, err = parseMetadata(m); err != nil {
			return nil, err
		}
	}
	fields := []string{"dtype", "shape", "data_offsets"}
	for name, item := range entries {
		if name == metadataKey {
			continue
		}
		p := jsonobj.Join("header", name)
		e, err := jsonobj.Fields(p, item, fields, fields)
		if err != nil {
			return nil, err
		}
		var t stTensor
		if err := decodeStrict(e["dtype"], &t.dtype); err != nil {
			return nil, fmt.Errorf("%s.dtype: %s, want a string", p, jsonobj.Snippet(e["dtype"]))
		}
		size, ok := stSizes[t.dtype]
		if !ok {
			return nil, fmt.Errorf("%s.dtype: unknown dtype %q", p, jsonobj.Shorten(t.dtype))
		}
		if err := decodeStrict(e["shape"], &t.shape); err != nil || t.shape == nil || len(t.shape) > graph.MaxRank {
			return nil, fmt.Errorf("%s.shape: %s, want a list of at most %d lengths", p, jsonobj.Snippet(e["shape"]), graph.MaxRank)
		}
		count, err := elements(t.shape, len(f.data))
		if err != nil {
			return nil, fmt.Errorf("%s.shape: %v: %v", p, t.shape, err)
		}
		var off []int
		if err := decodeStrict(e["data_offsets"], &off); err != nil || len(off) != 2 || off[0] < 0 || off[1] < off[0] || off[1] > len(f.data) {
			return nil, fmt.Errorf("%s.data_offsets: %s, want [begin, end] with 0 ≤ begin ≤ end ≤ %d (the data's length)",
				p, jsonobj.Snippet(e["data_offsets"]), len(f.data))
		}
		t.begin, t.end = off[0], off[1]
		if t.end-t.begin != count*size {
			return nil, fmt.Errorf("%s: %d bytes, want %d (%s %v)", p, t.end-t.begin, count*size, t.dtype, t.shape)
		}
		f.tensors[name] = t
	}
	// The tensors tile the data: sorted by offset, each starts where the
	// one before it ends, and the last ends with the file.
	order := slices.SortedFunc(maps.Keys(f.tensors), func(a, b string) int {
		ta, tb := f.tensors[a], f.tensors[b]
		if c := ta.begin - tb.begin; c != 0 {
			return c
		}
		return ta.end - tb.end
	})
	at := 0
	for _, name := range order {
		t := f.tensors[name]
		if t.begin != at {
			what := "overlaps the tensor before it"
			if t.begin > at {
				what = fmt.Sprintf("leaves bytes %d to %d of the data unused", at, t.begin)
			}
			return nil, fmt.Errorf("%s.data_offsets: [%d, %d] %s", jsonobj.Join("header", name), t.begin, t.end, what)
		}
		at = t.end
	}
	if at != len(f.data) {
		return nil, fmt.Errorf("data: %d bytes, but the tensors end at byte %d", len(f.data), at)
	}
	return f, nil
}

// elements returns the number of elements of shape, which must hold at
// most limit (the data's bytes, a bound on any tensor's elements).
func elements(shape []int, limit int) (int, error) {
	for _, d := range shape {
		if d < 0 {
			return 0, errors.New("a negative length")
		}
	}
	if slices.Contains(shape, 0) {
		return 0, nil
	}
	count := 1
	for _, d := range shape {
		if count > limit/d {
			return 0, fmt.Errorf("more elements than the %d bytes of data", limit)
		}
		count *= d
	}
	return count, nil
}

// parseMetadata reads the header's "__metadata__": an object of strings.
func parseMetadata(raw json.RawMessage) (map[string]string, error) {
	path := jsonobj.Join("header", metadataKey)
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	items, err := jsonobj.Fields(path, raw, nil, nil)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(items))
	for k, v := range items {
		var s string
		if err := decodeStrict(v, &s); err != nil {
			return nil, fmt.Errorf("%s: %s, want a string", jsonobj.Join(path, k), jsonobj.Snippet(v))
		}
		m[k] = s
	}
	return m, nil
}
