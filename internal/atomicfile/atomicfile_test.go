package atomicfile_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

func TestWriteReplaces(t *testing.T) {
	p := filepath.Join(t.TempDir(), "model.json")
	require.NoError(t, atomicfile.WriteFile(p, []byte("one"), 0o644))
	require.NoError(t, atomicfile.WriteFile(p, []byte("two"), 0o644))
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "two", string(data))
}

// TestFailedWriteLeavesPreviousFile: a write that fails half-way (after
// writing part of the new content) leaves the old file intact and no
// temporary file behind.
func TestFailedWriteLeavesPreviousFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.json")
	require.NoError(t, atomicfile.WriteFile(p, []byte("previous model"), 0o644))
	boom := errors.New("disk full")
	err := atomicfile.Write(p, 0o644, func(w io.Writer) error {
		if _, err := w.Write([]byte("half of the new mod")); err != nil {
			return err
		}
		return boom
	})
	require.ErrorIs(t, err, boom)
	data, err := os.ReadFile(p)
	require.NoError(t, err)
	assert.Equal(t, "previous model", string(data))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "the temporary file is removed")
}

func TestWriteIntoMissingDirectoryFails(t *testing.T) {
	err := atomicfile.WriteFile(filepath.Join(t.TempDir(), "no", "such", "dir", "f"), []byte("x"), 0o644)
	assert.Error(t, err)
}
