package datasets

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"
)

// FuzzReadIDX feeds arbitrary bytes to ReadIDX, through a reader that tells
// its length and through one that does not. It must never panic; a success
// must round-trip exactly through WriteTo; a failure must be one line; and
// no input may make the reader allocate much more than it holds (the
// header's claim is never trusted).
func FuzzReadIDX(f *testing.F) {
	f.Add(idxBytes(IDXUint8, 1, []uint32{3}, []byte{0, 5, 9}))
	f.Add(idxBytes(IDXUint8, 3, []uint32{2, 2, 2}, []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	f.Add(idxBytes(IDXInt16, 2, []uint32{1, 2}, []byte{1, 2, 3, 4}))
	f.Add(idxBytes(IDXFloat64, 1, []uint32{1}, []byte{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}))
	f.Add(idxBytes(IDXUint8, 3, []uint32{0, 28, 28}, nil))
	f.Add(idxBytes(IDXUint8, 3, []uint32{60000, 28, 28}, []byte{1, 2}))    // truncated
	f.Add(idxBytes(IDXUint8, 3, []uint32{1 << 30, 1 << 30, 1 << 30}, nil)) // over the limit
	f.Add(idxBytes(IDXUint8, 2, []uint32{1}, nil))                         // short header
	f.Add(idxBytes(IDXUint8, 1, []uint32{1}, []byte{1, 2}))                // trailing byte
	f.Add(idxBytes(0x42, 1, []uint32{1}, []byte{1}))                       // bad type
	f.Add(idxBytes(IDXUint8, 0, nil, nil))                                 // no dims
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})                            // gzip, not IDX
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, r := range []io.Reader{bytes.NewReader(in), io.MultiReader(bytes.NewReader(in))} {
			x, err := ReadIDX(r)
			if err != nil {
				if x != nil {
					t.Fatalf("non-nil IDX with error %v", err)
				}
				if msg := err.Error(); strings.Contains(msg, "\n") || !strings.HasPrefix(msg, "datasets: IDX data: ") {
					t.Fatalf("bad error message %q", msg)
				}
				continue
			}
			if len(x.Data) != x.Len()*ElemSize(x.Type) {
				t.Fatalf("dims %v of type %#x but %d data bytes", x.Dims, x.Type, len(x.Data))
			}
			var out bytes.Buffer
			if _, err := x.WriteTo(&out); err != nil {
				t.Fatalf("WriteTo: %v", err)
			}
			if !bytes.Equal(out.Bytes(), in) {
				t.Fatalf("round trip changed %x into %x", in, out.Bytes())
			}
			if x.Len() > 0 {
				_ = x.At(x.Len() - 1)
			}
		}
	})
}

// TestReadIDXAllocationBound checks the bound the fuzz target relies on: a
// truncated file whose header claims 1 GiB costs, from a reader that tells
// its length, almost nothing, and from one that hides it, at most about
// four times what it holds (the buffer doubles from 1 MiB as data arrives).
func TestReadIDXAllocationBound(t *testing.T) {
	in := idxBytes(IDXUint8, 2, []uint32{1 << 15, 1 << 15}, make([]byte, 5<<20))
	for _, tt := range []struct {
		name string
		r    io.Reader
		max  uint64
	}{
		{"with length", bytes.NewReader(in), 64 << 10},
		{"without length", io.MultiReader(bytes.NewReader(in)), 4 * (5 << 20)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := ReadIDX(tt.r)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("want an error")
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > tt.max {
				t.Errorf("allocated %d bytes, want at most %d", got, tt.max)
			}
		})
	}
}
