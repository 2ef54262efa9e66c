package blas

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workspace holds the packing buffers of one product in flight. Workspaces
// are recycled through wsFree, so a call after warm-up allocates nothing.
type workspace struct {
	j32 job[float32]
	j64 job[float64]
}

var wsFree = make(chan *workspace, 32)

func getWorkspace() *workspace {
	select {
	case w := <-wsFree:
		return w
	default:
		return new(workspace)
	}
}

func putWorkspace(w *workspace) {
	select {
	case wsFree <- w:
	default:
	}
}

func jobFor[T float](ws *workspace) *job[T] {
	var z T
	switch any(z).(type) {
	case float32:
		return any(&ws.j32).(*job[T])
	default:
		return any(&ws.j64).(*job[T])
	}
}

// runner is work that goroutines share; see job.run.
type runner interface{ run(tid int, seq uint32) }

type task struct {
	r   runner // nil for a wake-up call
	tid int
	seq uint32
}

// pool is the persistent set of worker goroutines. One product at a time
// uses it (mu); a product that finds it busy runs on its own goroutine.
type pool struct {
	mu      sync.Mutex
	workers []worker
}

type worker struct {
	ch chan task
	// hot is 1 while the worker polls ch for its next task, 0 while it is
	// parked in a blocking receive and would take microseconds to wake.
	hot atomic.Int32
}

// After a task a worker polls for the next one for workerSpin before it
// parks: consecutive products, as in a training step, then find it awake.
// The caller polls for the workers' last chunks for up to callerSpin
// iterations (tens of microseconds) before it sleeps, which frees its core
// for a worker that the OS has descheduled.
const (
	workerSpin = 200 * time.Microsecond
	callerSpin = 1 << 14
)

// A spinning goroutine lets other goroutines run every spinYield+1 polls
// and other threads every spinOSYield+1 polls (a system call, during which
// it cannot see what it waits for, so seldom: some microseconds apart).
const (
	spinYield   = 1<<5 - 1
	spinOSYield = 1<<10 - 1
)

var (
	poolOnce sync.Once
	thePool  *pool
)

// workerPool returns the pool, starting GOMAXPROCS-1 workers on first use.
func workerPool() *pool {
	poolOnce.Do(func() {
		p := &pool{workers: make([]worker, runtime.GOMAXPROCS(0)-1)}
		for i := range p.workers {
			w := &p.workers[i]
			w.ch = make(chan task, 1)
			w.hot.Store(1)
			go w.work()
		}
		thePool = p
	})
	return thePool
}

func (w *worker) work() {
	for {
		if t := w.receive(); t.r != nil {
			t.r.run(t.tid, t.seq)
		}
	}
}

func (w *worker) receive() task {
	deadline := time.Now().Add(workerSpin)
	for i := 0; ; i++ {
		select {
		case t := <-w.ch:
			return t
		default:
		}
		if i&spinYield == spinYield {
			if time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
			if i&spinOSYield == spinOSYield {
				osYield()
			}
		}
	}
	w.hot.Store(0)
	t := <-w.ch
	w.hot.Store(1)
	return t
}

// hot reports whether the first n-1 workers are awake. If not, it wakes
// them, without waiting, so that the products that follow find them awake.
// The caller must hold p.mu.
func (p *pool) hot(n int) bool {
	all := true
	for i := range p.workers[:n-1] {
		w := &p.workers[i]
		if w.hot.Load() == 0 {
			all = false
			select {
			case w.ch <- task{}:
			default:
			}
		}
	}
	return all
}

// dispatch offers dispatch seq of r to workers 1..nt-1 as goroutines
// 1..nt-1, without waiting: a worker still busy with an earlier task is
// skipped. The caller must hold p.mu.
func (p *pool) dispatch(r runner, nt int, seq uint32) {
	for i := 1; i < nt; i++ {
		select {
		case p.workers[i-1].ch <- task{r, i, seq}:
		default:
		}
	}
}
