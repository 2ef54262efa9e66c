//go:build unix

package atomicfile_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

// A new file gets perm less the umask, as os.WriteFile gives it; a file
// that is replaced keeps its mode, whatever perm says.
func TestWriteRespectsUmaskAndKeepsMode(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := filepath.Join(dir, "model.json")
	require.NoError(t, atomicfile.WriteFile(p, []byte("one"), 0o666))
	assert.Equal(t, os.FileMode(0o640), mode(t, p))
	require.NoError(t, os.Chmod(p, 0o600))
	require.NoError(t, atomicfile.WriteFile(p, []byte("two"), 0o644))
	assert.Equal(t, os.FileMode(0o600), mode(t, p), "a private file stays private")
	require.NoError(t, os.Chmod(p, 0o664))
	require.NoError(t, atomicfile.WriteFile(p, []byte("three"), 0o600))
	assert.Equal(t, os.FileMode(0o664), mode(t, p))
}

func mode(t *testing.T, p string) os.FileMode {
	st, err := os.Stat(p)
	require.NoError(t, err)
	return st.Mode().Perm()
}

// The temporary files of a killed writer are removed by the next write to
// the same path; those of a writer still at work, and those of other
// paths, are not.
func TestWriteRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "model.json")
	stale := filepath.Join(dir, ".model.json.tmp-0123456789abcdef")
	other := filepath.Join(dir, ".other.json.tmp-0123456789abcdef")
	busy := filepath.Join(dir, ".model.json.tmp-fedcba9876543210")
	for _, f := range []string{stale, other, busy} {
		require.NoError(t, os.WriteFile(f, []byte("half"), 0o600))
	}
	held, err := os.Open(busy)
	require.NoError(t, err)
	defer held.Close()
	require.NoError(t, syscall.Flock(int(held.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))

	require.NoError(t, atomicfile.WriteFile(p, []byte("new"), 0o644))
	assert.NoFileExists(t, stale)
	assert.FileExists(t, other)
	assert.FileExists(t, busy, "a temporary file locked by its writer stays")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 3)
}

func TestWriteRefusesADirectory(t *testing.T) {
	dir := t.TempDir()
	err := atomicfile.WriteFile(dir, []byte("x"), 0o644)
	assert.EqualError(t, err, dir+": not a regular file")
}

// Lock excludes a second holder, in this process as in another, until the
// first unlocks.
func TestLock(t *testing.T) {
	p := filepath.Join(t.TempDir(), "run.ckpt")
	unlock, err := atomicfile.Lock(p)
	require.NoError(t, err)
	_, err = atomicfile.Lock(p)
	assert.EqualError(t, err, p+" is in use by another process (it holds the lock "+filepath.Join(filepath.Dir(p), ".run.ckpt.lock")+")")
	unlock()
	unlock, err = atomicfile.Lock(p)
	require.NoError(t, err)
	unlock()
}
