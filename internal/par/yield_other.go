//go:build !linux

package par

// osYield would give the core to another thread; elsewhere than Linux the
// spin loops rely on runtime.Gosched alone.
func osYield() {}
