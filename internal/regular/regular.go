// Package regular opens and reads the files gradgraph is given to read,
// refusing anything but a regular file before opening it (opening a FIFO
// blocks until a writer comes) and, when asked, a file over a size limit.
package regular

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Open opens the regular file at path for reading. Errors read
// "PATH: problem", without the name of the failed system call.
func Open(path string) (*os.File, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, pathError(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, pathError(err)
	}
	return f, nil
}

// ReadFile reads the regular file at path, which must hold at most limit
// bytes (whose meaning what explains in the message, as in "the 256 MiB a
// spec may have").
func ReadFile(path string, limit int64, what string) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than %s", path, fi.Size(), what)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, pathError(err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than %s", path, what)
	}
	return data, nil
}

// pathError turns "open PATH: no such file or directory" into
// "PATH: no such file or directory".
func pathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}
