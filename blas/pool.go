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

// runner is work that goroutines 0..nt-1 share.
type runner interface{ run(tid int) }

type task struct {
	r   runner
	tid int
}

// pool is the persistent set of worker goroutines. One product at a time
// uses it (mu); a product that finds it busy runs on its own goroutine.
type pool struct {
	mu      sync.Mutex
	workers []worker
	pending atomic.Int32
	wg      sync.WaitGroup
}

type worker struct {
	ch chan task
	// hot is 1 while the worker polls ch for its next task, 0 while it is
	// parked in a blocking receive and would take microseconds to wake.
	hot atomic.Int32
}

// After a task a worker polls for the next one for workerSpin before it
// parks: consecutive products, as in a training step, then find it awake.
// The caller likewise polls for the workers to finish for up to callerSpin
// iterations (tens of microseconds) before it blocks, which frees its core
// for a worker that the OS has descheduled.
const (
	workerSpin = 200 * time.Microsecond
	callerSpin = 1 << 12
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
			go p.work(w)
		}
		thePool = p
	})
	return thePool
}

func (p *pool) work(w *worker) {
	for {
		t := w.receive()
		if t.r == nil {
			continue // a wake-up call
		}
		t.r.run(t.tid)
		p.pending.Add(-1)
		p.wg.Done()
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
		if i&15 == 15 {
			if time.Now().After(deadline) {
				break
			}
			runtime.Gosched()
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

// run runs r on goroutines 0..nt-1, 0 being the caller's, and returns when
// all are done. The caller must hold p.mu.
func (p *pool) run(r runner, nt int) {
	p.pending.Store(int32(nt - 1))
	p.wg.Add(nt - 1)
	for i := 1; i < nt; i++ {
		p.workers[i-1].ch <- task{r, i}
	}
	r.run(0)
	for i := 0; i < callerSpin && p.pending.Load() != 0; i++ {
		if i&15 == 15 {
			runtime.Gosched()
		}
	}
	p.wg.Wait()
}

// barrier is a reusable barrier for the goroutines of one job. Waiters
// spin for a while, since the others usually arrive within microseconds,
// then sleep, so that a goroutine the OS has descheduled gets the core.
type barrier struct {
	n     int32
	count atomic.Int32
	gen   atomic.Uint32
	mu    sync.Mutex
	cond  sync.Cond
}

// barrierSpin is how many times a waiter polls before it sleeps.
const barrierSpin = 1 << 12

func (b *barrier) reset(n int) {
	b.n = int32(n)
	b.count.Store(0)
	b.cond.L = &b.mu
}

func (b *barrier) wait() {
	if b.n <= 1 {
		return
	}
	g := b.gen.Load()
	if b.count.Add(1) == b.n {
		b.count.Store(0)
		b.mu.Lock()
		b.gen.Add(1)
		b.mu.Unlock()
		b.cond.Broadcast()
		return
	}
	for i := 0; i < barrierSpin; i++ {
		if b.gen.Load() != g {
			return
		}
		if i&15 == 15 {
			runtime.Gosched()
		}
	}
	b.mu.Lock()
	for b.gen.Load() == g {
		b.cond.Wait()
	}
	b.mu.Unlock()
}
