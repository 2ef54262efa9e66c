//go:build linux

package par

import "syscall"

// osYield gives the core to another thread the OS has waiting for it, if
// any: a goroutine polling for a worker must not keep a descheduled worker
// thread from running.
func osYield() { syscall.Syscall(syscall.SYS_SCHED_YIELD, 0, 0, 0) }
