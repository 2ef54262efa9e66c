package train_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/train"
)

// paramNodes returns the params of a small graph: a float32 2×1×2×3
// "conv.weight", a float32 "conv.bias" of 2 and a float64 scalar "scale",
// filled with values from base.
func paramNodes(t testing.TB, base float64) []*graph.Node {
	g := graph.New()
	w := g.Input("conv.weight", graph.Float32, 2, 1, 2, 3)
	b := g.Input("conv.bias", graph.Float32, 2)
	s := g.Input("scale", graph.Float64)
	require.NoError(t, g.Err())
	for i, n := range []*graph.Node{w, b, s} {
		vals := make([]float64, n.Shape().Size())
		for k := range vals {
			vals[k] = base + float64(i) + float64(k)/3
		}
		require.NoError(t, n.SetFloat64s(vals))
	}
	return []*graph.Node{w, b, s}
}

// values returns the nodes' storage, bit for bit.
func values(nodes []*graph.Node) [][]uint64 {
	var out [][]uint64
	for _, n := range nodes {
		v := n.Storage()
		bits := make([]uint64, v.Len())
		for i := range bits {
			if v.F32 != nil {
				bits[i] = uint64(math.Float32bits(v.F32[i]))
			} else {
				bits[i] = math.Float64bits(v.F64[i])
			}
		}
		out = append(out, bits)
	}
	return out
}

func TestSaveLoadParamsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.safetensors")
	src := paramNodes(t, 0.1)
	meta := map[string]string{"model": "test", "producer": "gradgraph"}
	require.NoError(t, train.SaveParams(path, src, meta))
	dst := paramNodes(t, -7)
	got, err := train.LoadParams(path, dst)
	require.NoError(t, err)
	assert.Equal(t, meta, got)
	assert.Equal(t, values(src), values(dst), "bit for bit")

	// Without metadata the header has no "__metadata__".
	require.NoError(t, train.SaveParams(path, src, nil))
	got, err = train.LoadParams(path, dst)
	require.NoError(t, err)
	assert.Nil(t, got)
}

// TestWriteParamsLayout reads the written file by the format's definition,
// independently of ReadParams.
func TestWriteParamsLayout(t *testing.T) {
	nodes := paramNodes(t, 0.5)
	var buf bytes.Buffer
	require.NoError(t, train.WriteParams(&buf, nodes, map[string]string{"k": "v"}))
	b := buf.Bytes()
	n := binary.LittleEndian.Uint64(b)
	assert.Zero(t, (8+n)%8, "the data start 8-byte aligned")
	var header map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(b[8:8+n], &header))
	assert.JSONEq(t, `{"k":"v"}`, string(header["__metadata__"]))
	data := b[8+n:]
	type entry struct {
		DType   string `json:"dtype"`
		Shape   []int  `json:"shape"`
		Offsets [2]int `json:"data_offsets"`
	}
	var e entry
	require.NoError(t, json.Unmarshal(header["conv.weight"], &e))
	assert.Equal(t, entry{"F32", []int{2, 1, 2, 3}, [2]int{0, 48}}, e)
	assert.Equal(t, math.Float32bits(0.5+1.0/3), binary.LittleEndian.Uint32(data[4:]))
	require.NoError(t, json.Unmarshal(header["conv.bias"], &e))
	assert.Equal(t, entry{"F32", []int{2}, [2]int{48, 56}}, e)
	require.NoError(t, json.Unmarshal(header["scale"], &e))
	assert.Equal(t, entry{"F64", []int{}, [2]int{56, 64}}, e)
	assert.Equal(t, math.Float64bits(2.5), binary.LittleEndian.Uint64(data[56:]))
	assert.Len(t, data, 64)
}

// TestLoadParamsReadsAnotherWriter loads a file that Python wrote from
// torch tensors, in the layout of safetensors.torch.save_file
// (testdata/torch_safetensors.py): other tensor order, other header.
func TestLoadParamsReadsAnotherWriter(t *testing.T) {
	g := graph.New()
	w := g.Input("conv.weight", graph.Float32, 2, 1, 2, 3)
	b := g.Input("conv.bias", graph.Float32, 2)
	s := g.Input("scale", graph.Float32)
	meta, err := train.LoadParams(filepath.Join("testdata", "torch.safetensors"), []*graph.Node{w, b, s})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"format": "pt", "note": "written by python"}, meta)
	assert.Equal(t, []float32{-0.75, -0.625, -0.5, -0.375, -0.25, -0.125, 0, 0.125, 0.25, 0.375, 0.5, 0.625}, w.Float32s())
	assert.Equal(t, []float32{0.5, -1.25}, b.Float32s())
	assert.Equal(t, []float32{3}, s.Float32s())
}

// file builds a safetensors file from a header given as JSON text and the
// data section.
func file(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(append(out, header...), data...)
}

// goodHeader is the header of the params of paramNodes, data 64 bytes.
const goodHeader = `{"conv.weight":{"dtype":"F32","shape":[2,1,2,3],"data_offsets":[0,48]},` +
	`"conv.bias":{"dtype":"F32","shape":[2],"data_offsets":[48,56]},"scale":{"dtype":"F64","shape":[],"data_offsets":[56,64]}}`

// TestReadParamsRefusesBadFiles: each broken file or mismatched model is a
// one-line error naming what is wrong, and leaves the nodes untouched.
func TestReadParamsRefusesBadFiles(t *testing.T) {
	data := make([]byte, 64)
	edit := func(old, new string) []byte {
		require.Contains(t, goodHeader, old)
		return file(strings.Replace(goodHeader, old, new, 1), data)
	}
	good := file(goodHeader, data)
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "0 bytes: too short for a safetensors file (8 bytes of header length, then the header)"},
		{"header length beyond the file", good[:100], "header length 192: more than the 92 bytes that follow it (or the 100000000 a header may have)"},
		{"huge header length", append(binary.LittleEndian.AppendUint64(nil, math.MaxUint64), good[8:]...), "header length 18446744073709551615: more than"},
		{"not JSON", file(`{"a":`, nil), "header: invalid JSON"},
		{"not an object", file(`[1,2]`, nil), "header: got array, want an object"},
		{"not UTF-8", file("{\"\xff\":1}", nil), "header: not UTF-8"},
		{"duplicate tensor", file(`{"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}`, data[:4]),
			"header.a: duplicate field"},
		{"unknown field", edit(`"shape":[2],`, `"shape":[2],"strides":[1],`), `header."conv.bias".strides: unknown field`},
		{"missing field", edit(`"shape":[2],`, ``), `header."conv.bias".shape: missing field`},
		{"unknown dtype", edit(`"dtype":"F64"`, `"dtype":"F65"`), `header.scale.dtype: unknown dtype "F65"`},
		{"dtype not a string", edit(`"dtype":"F64"`, `"dtype":8`), `header.scale.dtype: 8, want a string`},
		{"another dtype", edit(`"dtype":"F64","shape":[],"data_offsets":[56,64]`, `"dtype":"I64","shape":[],"data_offsets":[56,64]`),
			"scale: dtype I64, the model's is float64 (F64)"},
		{"F16", edit(`"dtype":"F32","shape":[2],"data_offsets":[48,56]`, `"dtype":"F16","shape":[2,2],"data_offsets":[48,56]`),
			"conv.bias: dtype F16, the model's is float32 (F32)"},
		{"negative length", edit(`"shape":[2],`, `"shape":[-2],`), `header."conv.bias".shape: [-2]: a negative length`},
		{"fractional length", edit(`"shape":[2],`, `"shape":[2.5],`), `header."conv.bias".shape: [2.5], want a list of at most 16 lengths`},
		{"huge shape", edit(`"shape":[2],`, `"shape":[4294967296,4294967296],`), `header."conv.bias".shape: [4294967296 4294967296]: more elements than the 64 bytes of data`},
		{"offsets beyond the data", edit(`[56,64]`, `[56,72]`), `header.scale.data_offsets: [56,72], want [begin, end] with 0 ≤ begin ≤ end ≤ 64 (the data's length)`},
		{"offsets reversed", edit(`[56,64]`, `[64,56]`), `header.scale.data_offsets: [64,56], want [begin, end]`},
		{"three offsets", edit(`[56,64]`, `[56,60,64]`), `header.scale.data_offsets: [56,60,64], want [begin, end]`},
		{"size of another shape", edit(`"shape":[2],`, `"shape":[3],`), `header."conv.bias": 8 bytes, want 12 (F32 [3])`},
		{"overlap", edit(`"shape":[2],"data_offsets":[48,56]`, `"shape":[2],"data_offsets":[40,48]`), `header."conv.bias".data_offsets: [40, 48] overlaps the tensor before it`},
		{"hole", file(strings.Replace(goodHeader, `[56,64]`, `[64,72]`, 1), make([]byte, 72)), `header.scale.data_offsets: [64, 72] leaves bytes 56 to 64 of the data unused`},
		{"trailing data", file(goodHeader, make([]byte, 65)), "data: 65 bytes, but the tensors end at byte 64"},
		{"metadata not strings", file(`{"__metadata__":{"epochs":3}}`, nil), `header.__metadata__.epochs: 3, want a string`},
		{"metadata not an object", file(`{"__metadata__":"x"}`, nil), `header.__metadata__: got string, want an object`},
		{"missing tensor", file(`{"conv.weight":{"dtype":"F32","shape":[2,1,2,3],"data_offsets":[0,48]}}`, data[:48]), "no tensor conv.bias, which the model has"},
		{"extra tensor", edit(`{"conv.weight"`, `{"extra":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"conv.weight"`), "extra: the model has no such param"},
		{"another shape", edit(`"shape":[2,1,2,3]`, `"shape":[2,1,3,2]`), "conv.weight: shape [2 1 3 2], the model's is [2 1 2 3]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			nodes := paramNodes(t, 1)
			before := values(nodes)
			_, err := train.ReadParams(c.file, nodes)
			require.Error(t, err)
			assert.True(t, strings.HasPrefix(err.Error(), c.want), "got  %s\nwant %s…", err, c.want)
			assert.NotContains(t, err.Error(), "\n")
			assert.Equal(t, before, values(nodes), "nothing is copied from a file that does not fit")
		})
	}
	_, err := train.ReadParams(good, paramNodes(t, 1))
	require.NoError(t, err, "the unedited file loads")
}

func TestLoadParamsNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.safetensors")
	require.NoError(t, os.WriteFile(path, []byte("nope"), 0o644))
	_, err := train.LoadParams(path, paramNodes(t, 0))
	assert.EqualError(t, err, "train: load params: "+path+": 4 bytes: too short for a safetensors file (8 bytes of header length, then the header)")
	_, err = train.LoadParams(filepath.Join(dir, "missing"), paramNodes(t, 0))
	assert.EqualError(t, err, "train: load params: "+filepath.Join(dir, "missing")+": no such file or directory")
	_, err = train.LoadParams(dir, paramNodes(t, 0))
	assert.EqualError(t, err, "train: load params: "+dir+": not a regular file")
}

func TestSaveParamsRefusesBadNodes(t *testing.T) {
	g := graph.New()
	a := g.Input("a", graph.Float32, 2)
	unnamed := g.Input("", graph.Float32, 2)
	ints := g.Input("i", graph.Int64, 2)
	meta := g.Input("__metadata__", graph.Float32, 1)
	batched := g.Input("x", graph.Float32, 4, 2).Batched(0)
	require.NoError(t, g.Err())
	path := filepath.Join(t.TempDir(), "p.safetensors")
	for _, c := range []struct {
		nodes []*graph.Node
		want  string
	}{
		{[]*graph.Node{a, unnamed}, "node input#1 has no name"},
		{[]*graph.Node{a, ints}, "i is int64: only float32 and float64 values are saved"},
		{[]*graph.Node{a, a}, "two nodes are named a"},
		{[]*graph.Node{meta}, "a node is named __metadata__, the format's name for the metadata"},
		{[]*graph.Node{batched}, "x is a batched input, not a param"},
	} {
		assert.EqualError(t, train.SaveParams(path, c.nodes, nil), "train: save params: "+c.want)
	}
	assert.NoFileExists(t, path)
}

// FuzzReadParams: no input makes ReadParams panic, and a file it accepts
// holds values that a write and a second read give back bit for bit.
func FuzzReadParams(f *testing.F) {
	var buf bytes.Buffer
	require.NoError(f, train.WriteParams(&buf, paramNodes(f, 0.25), map[string]string{"a": "b"}))
	f.Add(buf.Bytes())
	f.Add(file(goodHeader, make([]byte, 64)))
	f.Add(file(`{"__metadata__":{}}`, nil))
	f.Add(file(`{"scale":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		nodes := paramNodes(t, 3)
		if _, err := train.ReadParams(data, nodes); err != nil {
			return
		}
		var out bytes.Buffer
		require.NoError(t, train.WriteParams(&out, nodes, nil))
		again := paramNodes(t, -3)
		_, err := train.ReadParams(out.Bytes(), again)
		require.NoError(t, err)
		require.True(t, slices.EqualFunc(values(nodes), values(again), slices.Equal))
	})
}
