package datasets_test

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/datasets"
)

func TestFillRowsPutsSamplesFirst(t *testing.T) {
	d := &datasets.Dataset{Name: "t", Features: 3, Shape: []int{3}, X: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}, Classes: 4, Labels: []uint8{3, 0, 2}}
	x := make([]float64, 6)
	labels := make([]int64, 2)
	datasets.FillRows(d, []int{2, 0}, x, labels)
	assert.Equal(t, []float64{7, 8, 9, 1, 2, 3}, x)
	assert.Equal(t, []int64{2, 3}, labels)
	y := make([]float32, 8)
	datasets.FillTargetRows(d, []int{2, 0}, y)
	assert.Equal(t, []float32{0, 0, 1, 0, 0, 0, 0, 1}, y)
	assert.Panics(t, func() { datasets.FillRows(d, []int{0, 1, 2}, x, nil) })
	assert.Zero(t, testing.AllocsPerRun(10, func() { datasets.FillRows(d, []int{1, 2}, x, labels) }))
}

func writeFiles(t *testing.T, files map[string]string) string {
	root := t.TempDir()
	for name, body := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
	return root
}

func TestGoSourceSplitsByFile(t *testing.T) {
	files := map[string]string{"a/x_test.go": "TEST", "a/testdata/t.go": "DATA", "notes.txt": "TXT"}
	for i := 0; i < 40; i++ {
		files[filepath.Join("p", string(rune('a'+i%26))+string(rune('a'+i/26))+".go")] = "package p // " + string(rune('A'+i%26)) + "\n"
	}
	root := writeFiles(t, files)
	c, err := datasets.GoSource(root, 0.25, 7, 0)
	require.NoError(t, err)
	assert.Equal(t, 40, c.Files, "test files, testdata and other files are skipped")
	assert.Greater(t, c.ValFiles, 2)
	assert.Less(t, c.ValFiles, 20)
	text := string(c.Decode(toIDs(c.Train))) + string(c.Decode(toIDs(c.Val)))
	assert.NotContains(t, text, "TEST")
	assert.NotContains(t, text, "DATA")
	assert.Equal(t, 40*len("package p // A\n"), len(text))
	// The same seed gives the same split; another seed another.
	again, err := datasets.GoSource(root, 0.25, 7, 0)
	require.NoError(t, err)
	assert.Equal(t, c.Fingerprint(), again.Fingerprint())
	other, err := datasets.GoSource(root, 0.25, 8, 0)
	require.NoError(t, err)
	assert.NotEqual(t, c.Fingerprint(), other.Fingerprint())
	_, err = datasets.GoSource(root, 0, 7, 0)
	assert.EqualError(t, err, "datasets: go source: validation fraction 0, want (0, 1)")
}

func toIDs(b []byte) []int64 {
	ids := make([]int64, len(b))
	for i, v := range b {
		ids[i] = int64(v)
	}
	return ids
}

func TestWindowsAndUnigram(t *testing.T) {
	c := datasets.NewText("t", []byte("abab"), []byte("aab"))
	assert.Equal(t, []byte("ab"), c.Vocab)
	assert.Equal(t, []byte{0, 1, 0, 1}, c.Train)
	x, y := make([]int64, 4), make([]int64, 4)
	datasets.FillWindows(c.Train, 2, []int{1, 0}, x, y)
	assert.Equal(t, []int64{1, 0, 0, 1}, x)
	assert.Equal(t, []int64{0, 1, 1, 0}, y)
	assert.Equal(t, 2, datasets.Windows(c.Train, 2))
	// Train counts a: 2, b: 2, add-one over 6: p(a) = p(b) = 1/2, so one
	// bit a token on any text of a's and b's.
	assert.InDelta(t, 1.0, c.UnigramBits(), 1e-12)
	skew := datasets.NewText("t", []byte("aaab"), []byte("ab"))
	// p(a) = 4/6, p(b) = 2/6: −(log₂ 2/3 + log₂ 1/3)/2.
	assert.InDelta(t, -(math.Log2(2.0/3)+math.Log2(1.0/3))/2, skew.UnigramBits(), 1e-12)
}

// The Go distribution's own source is there on every machine with Go.
func TestGoSourceOfGOROOT(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a few MB")
	}
	out, err := exec.Command("go", "env", "GOROOT").Output()
	require.NoError(t, err)
	c, err := datasets.GoSource(filepath.Join(strings.TrimSpace(string(out)), "src"), 0.1, 1, 4<<20)
	require.NoError(t, err)
	assert.Greater(t, len(c.Train), 3<<20)
	assert.Greater(t, len(c.Vocab), 90)
	assert.InDelta(t, 5.3, c.UnigramBits(), 0.7, "about 5.3 bits a byte without context")
}
