package datasets

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIDXRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		x    IDX
		at   []float64 // expected At(i) for every element
	}{
		{"uint8 vector", IDX{IDXUint8, []int{3}, []byte{0, 7, 255}}, []float64{0, 7, 255}},
		{"uint8 matrix", IDX{IDXUint8, []int{2, 3}, []byte{1, 2, 3, 4, 5, 6}}, []float64{1, 2, 3, 4, 5, 6}},
		{"int8", IDX{IDXInt8, []int{2}, []byte{0x7f, 0x80}}, []float64{127, -128}},
		{"int16", IDX{IDXInt16, []int{2}, []byte{0x01, 0x02, 0xff, 0xfe}}, []float64{258, -2}},
		{"int32", IDX{IDXInt32, []int{1}, []byte{0xff, 0xff, 0xff, 0xff}}, []float64{-1}},
		{"float32", IDX{IDXFloat32, []int{1}, []byte{0x3f, 0xc0, 0, 0}}, []float64{1.5}},
		{"float64", IDX{IDXFloat64, []int{1, 1}, []byte{0xc0, 0x04, 0, 0, 0, 0, 0, 0}}, []float64{-2.5}},
		{"empty", IDX{IDXUint8, []int{0, 28, 28}, []byte{}}, nil},
		{"empty huge", IDX{IDXFloat64, []int{0xffffffff, 0xffffffff, 0}, []byte{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := tt.x.WriteTo(&buf)
			require.NoError(t, err)
			assert.EqualValues(t, buf.Len(), n)
			for _, r := range []io.Reader{bytes.NewReader(buf.Bytes()), io.MultiReader(bytes.NewReader(buf.Bytes()))} {
				got, err := ReadIDX(r)
				require.NoError(t, err)
				assert.Equal(t, tt.x.Type, got.Type)
				assert.Equal(t, tt.x.Dims, got.Dims)
				assert.Equal(t, tt.x.Data, got.Data)
				require.Equal(t, len(tt.at), got.Len())
				for i, v := range tt.at {
					assert.Equal(t, v, got.At(i), "element %d", i)
				}
			}
		})
	}
}

func TestIDXWriteErrors(t *testing.T) {
	tests := []struct {
		name string
		x    IDX
		msg  string
	}{
		{"type", IDX{0x42, []int{1}, []byte{1}}, "datasets: IDX element type 0x42 is not supported"},
		{"no dims", IDX{IDXUint8, nil, nil}, "datasets: IDX needs 1 to 255 dimensions, got 0"},
		{"size", IDX{IDXInt16, []int{2}, []byte{1, 2}}, "datasets: IDX dimensions [2] need 4 data bytes, got 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.x.WriteTo(io.Discard)
			assert.EqualError(t, err, tt.msg)
		})
	}
}

func TestReadIDXFileGzip(t *testing.T) {
	x := IDX{IDXUint8, []int{2, 2}, []byte{1, 2, 3, 4}}
	var buf bytes.Buffer
	_, err := x.WriteTo(&buf)
	require.NoError(t, err)
	dir := t.TempDir()
	// Gzip is recognised by content, whatever the name says.
	for name, b := range map[string][]byte{"plain": buf.Bytes(), "zipped": gzipBytes(t, buf.Bytes()), "z.gz": gzipBytes(t, buf.Bytes())} {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o644))
		got, err := ReadIDXFile(p)
		require.NoError(t, err, name)
		assert.Equal(t, &x, got, name)
	}
}

// TestReadIDXErrors checks every way ReadIDX rejects its input, with the
// same message from a reader that tells its length and from one that does
// not.
func TestReadIDXErrors(t *testing.T) {
	huge := idxBytes(IDXUint8, 3, []uint32{1000, 1000, 1000}, []byte{1, 2, 3})
	tests := []struct {
		name string
		in   []byte
		msg  string
	}{
		{"empty", nil, "datasets: IDX data: empty file, want an IDX header"},
		{"short magic", []byte{0, 0, 8}, "datasets: IDX data: truncated IDX header: got 3 of 4 magic bytes"},
		{"bad magic", []byte{0x3c, 0x68, 0x74, 0x6d}, "datasets: IDX data: bad IDX magic 0x3c68746d: the first two bytes must be zero"},
		{"gzipped", []byte{0x1f, 0x8b, 8, 0}, "datasets: IDX data: bad IDX magic 0x1f8b0800: the data is gzipped, decompress it first"},
		{"bad type", idxBytes(0x07, 1, []uint32{1}, []byte{1}), "datasets: IDX data: unknown IDX element type 0x07"},
		{"no dims", idxBytes(IDXUint8, 0, nil, nil), "datasets: IDX data: IDX header has 0 dimensions"},
		{"many dims", idxBytes(IDXUint8, 200, nil, nil), "datasets: IDX data: IDX header has 200 dimensions, at most 16 are supported"},
		{"short dims", idxBytes(IDXUint8, 3, []uint32{10, 28}, nil), "datasets: IDX data: truncated IDX header: got 8 of 12 dimension bytes"},
		{"over limit", idxBytes(IDXFloat64, 3, []uint32{1 << 16, 1 << 16, 1 << 16}, nil),
			"datasets: IDX data: IDX dimensions [65536 65536 65536] claim more than the 1073741824-byte limit"},
		{"overflow", idxBytes(IDXInt32, 4, []uint32{0xffffffff, 0xffffffff, 0xffffffff, 2}, nil),
			"datasets: IDX data: IDX dimensions [4294967295 4294967295 4294967295 2] claim more than the 1073741824-byte limit"},
		{"huge claim", huge,
			"datasets: IDX data: truncated IDX data: got 3 of 1000000000 bytes for dimensions [1000 1000 1000]"},
		{"truncated data", idxBytes(IDXInt16, 2, []uint32{2, 2}, []byte{1, 2, 3, 4, 5}),
			"datasets: IDX data: truncated IDX data: got 5 of 8 bytes for dimensions [2 2]"},
		{"trailing data", idxBytes(IDXUint8, 1, []uint32{2}, []byte{1, 2, 3}),
			"datasets: IDX data: unexpected bytes after the 2 data bytes of dimensions [2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadIDX(bytes.NewReader(tt.in))
			assert.EqualError(t, err, tt.msg)
			_, err = ReadIDX(io.MultiReader(bytes.NewReader(tt.in))) // length unknown
			assert.EqualError(t, err, tt.msg)
		})
	}
}

// TestReadIDXHugeClaimAllocatesLittle reads a header that claims a 1 GB
// body (within MaxIDXBytes) followed by 3 bytes, from a reader that hides
// its length: the reader must give up having allocated only about the
// 1 MiB first chunk.
func TestReadIDXHugeClaimAllocatesLittle(t *testing.T) {
	in := idxBytes(IDXUint8, 3, []uint32{1000, 1000, 1000}, []byte{1, 2, 3})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDX(io.MultiReader(bytes.NewReader(in)))
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(2<<20))
}

func TestReadIDXNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "broken.idx")
	require.NoError(t, os.WriteFile(p, idxBytes(IDXUint8, 1, []uint32{5}, []byte{1}), 0o644))
	f, err := os.Open(p)
	require.NoError(t, err)
	defer f.Close()
	_, err = ReadIDX(f)
	assert.EqualError(t, err, "datasets: broken.idx: truncated IDX data: got 1 of 5 bytes for dimensions [5]")
	_, err = ReadIDXFile(p)
	assert.EqualError(t, err, "datasets: broken.idx: truncated IDX data: got 1 of 5 bytes for dimensions [5]")
}
