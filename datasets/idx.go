package datasets

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/internal/regular"
)

// IDX element types, the third byte of an IDX file's magic number.
const (
	IDXUint8   byte = 0x08 // unsigned byte
	IDXInt8    byte = 0x09 // signed byte
	IDXInt16   byte = 0x0B // big-endian int16
	IDXInt32   byte = 0x0C // big-endian int32
	IDXFloat32 byte = 0x0D // big-endian IEEE float32
	IDXFloat64 byte = 0x0E // big-endian IEEE float64
)

// MaxIDXBytes is the largest data section ReadIDX accepts: 1 GiB, about 20
// times the MNIST training images. A header that claims more is rejected
// before anything is allocated.
const MaxIDXBytes = 1 << 30

// maxIDXDims bounds the number of dimensions in a header. The format allows
// 255; no real file has more than a handful.
const maxIDXDims = 16

// IDX is the content of one IDX file: the element type, the dimensions and
// the data, row-major, as the raw big-endian bytes of the file.
type IDX struct {
	// Type is the element type code, one of IDXUint8 ... IDXFloat64.
	Type byte
	// Dims are the sizes of the dimensions, outermost first.
	Dims []int
	// Data holds Len() elements of ElemSize() bytes each.
	Data []byte
}

// ElemSize returns the size in bytes of one element of type t, or 0 when t
// is not an IDX type code.
func ElemSize(t byte) int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// Len returns the number of elements, the product of the dimensions.
func (x *IDX) Len() int {
	n := 1
	for _, d := range x.Dims {
		n *= d
	}
	return n
}

// At returns element i (in row-major order) converted to float64.
func (x *IDX) At(i int) float64 {
	switch x.Type {
	case IDXUint8:
		return float64(x.Data[i])
	case IDXInt8:
		return float64(int8(x.Data[i]))
	case IDXInt16:
		return float64(int16(binary.BigEndian.Uint16(x.Data[2*i:])))
	case IDXInt32:
		return float64(int32(binary.BigEndian.Uint32(x.Data[4*i:])))
	case IDXFloat32:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(x.Data[4*i:])))
	case IDXFloat64:
		return math.Float64frombits(binary.BigEndian.Uint64(x.Data[8*i:]))
	}
	panic(fmt.Sprintf("datasets: IDX element type 0x%02x is not supported", x.Type))
}

// WriteTo writes x in IDX format to w. It implements io.WriterTo.
func (x *IDX) WriteTo(w io.Writer) (int64, error) {
	if ElemSize(x.Type) == 0 {
		return 0, fmt.Errorf("datasets: IDX element type 0x%02x is not supported", x.Type)
	}
	if len(x.Dims) == 0 || len(x.Dims) > 255 {
		return 0, fmt.Errorf("datasets: IDX needs 1 to 255 dimensions, got %d", len(x.Dims))
	}
	if want := x.Len() * ElemSize(x.Type); want != len(x.Data) {
		return 0, fmt.Errorf("datasets: IDX dimensions %v need %d data bytes, got %d", x.Dims, want, len(x.Data))
	}
	hdr := make([]byte, 4+4*len(x.Dims))
	hdr[2], hdr[3] = x.Type, byte(len(x.Dims))
	for i, d := range x.Dims {
		if d < 0 || uint64(d) > 0xFFFFFFFF {
			return 0, fmt.Errorf("datasets: IDX dimension %d out of range", d)
		}
		binary.BigEndian.PutUint32(hdr[4+4*i:], uint32(d))
	}
	n, err := w.Write(hdr)
	if err != nil {
		return int64(n), err
	}
	m, err := w.Write(x.Data)
	return int64(n + m), err
}

// ReadIDX reads one IDX file, all of r: the magic number (two zero bytes,
// the element type, the number of dimensions), the big-endian uint32
// dimensions and the data; bytes after the data are reported as corruption.
// All element types of the format are accepted; Data keeps them as raw
// bytes. r must be uncompressed (see ReadIDXFile for gzipped files).
//
// The header is not trusted: the size it claims is checked against
// MaxIDXBytes and, when r can tell how many bytes it holds (a Len method,
// as *bytes.Reader has, or a regular *os.File), against that, before
// anything is allocated; otherwise the buffer starts at 1 MiB at most and
// grows only as data actually arrives. Errors are one line,
// "datasets: NAME: problem", where NAME is r's Name() when it has one (as
// *os.File does) and "IDX data" otherwise.
func ReadIDX(r io.Reader) (*IDX, error) {
	name := "IDX data"
	if n, ok := r.(interface{ Name() string }); ok {
		name = filepath.Base(n.Name())
	}
	x, _, err := readIDX(r, name, remaining(r), 0)
	return x, err
}

// ReadIDXFile reads the IDX file at path, decompressing it first when it is
// gzipped (recognised by its content, not its name). Errors name the file;
// anything but a regular file (a FIFO, a device, a directory) is refused
// before it is opened.
func ReadIDXFile(path string) (*IDX, error) {
	x, _, err := readIDXFile(path, 0)
	return x, err
}

// readIDXFile reads the IDX file at path as ReadIDXFile does, but only its
// first limit items along the first dimension when 0 < limit < the count
// the header claims: then nothing after them is decompressed or read, so
// a limit on a large (or maliciously compressed) file costs only what it
// returns, and the rest of the file is not checked. It returns the IDX of
// the items read (Dims[0] is their number) and the header's count.
func readIDXFile(path string, limit int) (*IDX, int, error) {
	name := filepath.Base(path)
	f, err := regular.Open(path) // not a FIFO, which would block
	if err != nil {
		return nil, 0, fmt.Errorf("datasets: %w", err)
	}
	defer f.Close()
	var r io.Reader
	left := remaining(f)
	br := bufio.NewReaderSize(f, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, 0, fmt.Errorf("datasets: %s: bad gzip header: %v", name, err)
		}
		defer zr.Close()
		// The size in the gzip trailer is not trusted, not even as a hint.
		r, left = zr, -1
	} else {
		r = br
	}
	return readIDX(r, name, left, limit)
}

// remaining returns the number of bytes left in r when r can tell, else -1.
func remaining(r io.Reader) int64 {
	switch r := r.(type) {
	case interface{ Len() int }:
		return int64(r.Len())
	case *os.File:
		fi, err := r.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			return -1
		}
		pos, err := r.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return fi.Size() - pos
	}
	return -1
}

// readIDX reads an IDX file from r, naming it name in errors: the header,
// then the first limit items along the first dimension, or all of them
// when limit ≤ 0 or limit ≥ the header's count (only then is r checked to
// end after the data). left is the number of bytes r holds when known
// exactly, else -1. It returns the IDX of the items read and the header's
// count.
func readIDX(r io.Reader, name string, left int64, limit int) (*IDX, int, error) {
	var magic [4]byte
	if n, err := io.ReadFull(r, magic[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			return nil, 0, fmt.Errorf("datasets: %s: empty file, want an IDX header", name)
		}
		return nil, 0, ioError(name, "truncated IDX header: got %d of 4 magic bytes", err, n)
	}
	if magic[0] == 0x1f && magic[1] == 0x8b {
		return nil, 0, fmt.Errorf("datasets: %s: bad IDX magic 0x%08x: the data is gzipped, decompress it first", name, binary.BigEndian.Uint32(magic[:]))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, 0, fmt.Errorf("datasets: %s: bad IDX magic 0x%08x: the first two bytes must be zero", name, binary.BigEndian.Uint32(magic[:]))
	}
	x := &IDX{Type: magic[2]}
	size := ElemSize(x.Type)
	if size == 0 {
		return nil, 0, fmt.Errorf("datasets: %s: unknown IDX element type 0x%02x", name, x.Type)
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, 0, fmt.Errorf("datasets: %s: IDX header has 0 dimensions", name)
	}
	if nd > maxIDXDims {
		return nil, 0, fmt.Errorf("datasets: %s: IDX header has %d dimensions, at most %d are supported", name, nd, maxIDXDims)
	}
	var hdr [4 * maxIDXDims]byte
	if n, err := io.ReadFull(r, hdr[:4*nd]); err != nil {
		return nil, 0, ioError(name, "truncated IDX header: got %d of %d dimension bytes", err, n, 4*nd)
	}
	x.Dims = make([]int, nd)
	total := uint64(size)
	for i := range x.Dims {
		x.Dims[i] = int(binary.BigEndian.Uint32(hdr[4*i:]))
		if x.Dims[i] == 0 {
			total = 0
		}
	}
	for _, d := range x.Dims {
		// total ≤ MaxIDXBytes < 2³² and d < 2³², so the product fits.
		if total *= uint64(d); total > MaxIDXBytes {
			return nil, 0, fmt.Errorf("datasets: %s: IDX dimensions %v claim more than the %d-byte limit", name, x.Dims, MaxIDXBytes)
		}
	}
	count := x.Dims[0]
	need := int64(total)
	all := limit <= 0 || limit >= count
	if !all {
		need = need / int64(count) * int64(limit)
	}
	if left >= 0 && left-int64(4+4*nd) < need {
		return nil, 0, fmt.Errorf("datasets: %s: truncated IDX data: got %d of %d bytes for dimensions %v", name, max(0, left-int64(4+4*nd)), need, x.Dims)
	}
	data, err := readN(r, need, left >= 0)
	if err != nil {
		return nil, 0, ioError(name, "truncated IDX data: got %d of %d bytes for dimensions %v", err, len(data), need, x.Dims)
	}
	x.Data = data
	if !all {
		x.Dims[0] = limit
		return x, count, nil
	}
	var one [1]byte
	switch n, err := io.ReadFull(r, one[:]); {
	case n > 0:
		return nil, 0, fmt.Errorf("datasets: %s: unexpected bytes after the %d data bytes of dimensions %v", name, need, x.Dims)
	case !errors.Is(err, io.EOF):
		return nil, 0, ioError(name, "", err)
	}
	return x, count, nil
}

// readN reads exactly need bytes from r. When known is true, r is known to
// hold them (a regular file of that size) and the buffer is allocated at
// once; otherwise it starts at 1 MiB (or need if smaller) and doubles as
// data arrives, so a lying header costs at most twice the bytes actually
// present. On error it returns the bytes read so far.
func readN(r io.Reader, need int64, known bool) ([]byte, error) {
	c := min(need, 1<<20)
	if known {
		c = need
	}
	buf := make([]byte, 0, c)
	for int64(len(buf)) < need {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(need, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		n, err := io.ReadFull(r, buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// ioError formats a read failure: a short read becomes the given message;
// any other error (bad gzip data, I/O) is reported as such.
func ioError(name, format string, err error, args ...any) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("datasets: %s: "+format, append([]any{name}, args...)...)
	}
	return fmt.Errorf("datasets: %s: read error: %w", name, err)
}
