//go:build unix

package regular

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(p, []byte("12345"), 0o644))
	data, err := ReadFile(p, 5, "five bytes")
	require.NoError(t, err)
	assert.Equal(t, "12345", string(data))
	_, err = ReadFile(p, 4, "the 4 bytes allowed")
	assert.EqualError(t, err, p+": 5 bytes, more than the 4 bytes allowed")
	_, err = ReadFile(filepath.Join(dir, "none"), 4, "")
	assert.EqualError(t, err, filepath.Join(dir, "none")+": no such file or directory")
	_, err = ReadFile(dir, 4, "")
	assert.EqualError(t, err, dir+": not a regular file")

	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadFile(fifo, 4, ""); done <- err }()
	select {
	case err := <-done:
		assert.EqualError(t, err, fifo+": not a regular file")
	case <-time.After(10 * time.Second):
		t.Fatal("opening a FIFO blocked")
	}
}
