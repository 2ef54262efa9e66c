// Package atomicfile writes files so that a crash or a failed write never
// leaves a half-written file behind: the data goes to a temporary file in
// the same directory, which is synced and then renamed over the target.
package atomicfile

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write creates or replaces path with what fill writes. A new file gets
// perm as os.WriteFile gives it (less the process's umask); a file that is
// replaced keeps its permission bits. If fill or any step fails, path is
// left as it was and the temporary file is removed.
//
// The temporary file is ".NAME.tmp-RANDOM" in path's directory, locked
// while it is written. Those that a killed process left behind (unlocked)
// are removed by the next Write to the same path.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	prefix := "." + base + ".tmp-"
	replace, keep := false, fs.FileMode(0)
	if fi, serr := os.Stat(path); serr == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		replace, keep = true, fi.Mode().Perm()
	}
	removeStale(dir, prefix)
	tmp, err := createLocked(dir, prefix, perm, replace)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
			tmp.Close()
		}
	}()
	if err = fill(tmp); err != nil {
		return err
	}
	if replace {
		if err = tmp.Chmod(keep); err != nil {
			return err
		}
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Closing releases the lock, after the rename: the name is then gone.
	if err = tmp.Close(); err != nil {
		return err
	}
	// Make the rename itself durable.
	if d, derr := os.Open(dir); derr == nil {
		if serr := d.Sync(); serr != nil {
			d.Close()
			return fmt.Errorf("sync %s: %w", dir, serr)
		}
		d.Close()
	}
	return nil
}

// createLocked creates a new temporary file dir/prefixRANDOM and locks it.
// Its mode is perm less the umask, or 0600 when private (it will be given
// the mode of the file it replaces, which may be stricter than perm).
func createLocked(dir, prefix string, perm os.FileMode, private bool) (*os.File, error) {
	if private {
		perm = 0o600
	}
	for range 100 {
		var r [8]byte
		_, _ = rand.Read(r[:])
		name := filepath.Join(dir, prefix+hex.EncodeToString(r[:]))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if ok, err := tryLock(f); err != nil || !ok {
			// Another Write is removing it as stale: take another name.
			f.Close()
			if err != nil {
				os.Remove(name)
				return nil, err
			}
			continue
		}
		return f, nil
	}
	return nil, fmt.Errorf("%s: no free temporary file name", filepath.Join(dir, prefix+"*"))
}

// removeStale removes the temporary files of earlier Writes to the same
// path that nobody holds locked any more: those of killed processes.
func removeStale(dir, prefix string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		name := filepath.Join(dir, e.Name())
		f, err := os.Open(name)
		if err != nil {
			continue
		}
		if ok, err := tryLock(f); err == nil && ok {
			os.Remove(name)
		}
		f.Close()
	}
}

// WriteFile is Write with a byte slice.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Lock takes an exclusive lock that other processes calling Lock for the
// same path see: it locks the file ".NAME.lock" beside path (created if
// need be, and left in place: removing a lock file races with its next
// user). It fails at once, saying so, when another process holds the
// lock. unlock releases it; so does the end of the process.
func Lock(path string) (unlock func(), err error) {
	dir, base := filepath.Split(path)
	name := filepath.Join(dir, "."+base+".lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o666)
	if err != nil {
		return nil, err
	}
	ok, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if !ok {
		f.Close()
		return nil, fmt.Errorf("%s is in use by another process (it holds the lock %s)", path, name)
	}
	return func() { f.Close() }, nil
}
