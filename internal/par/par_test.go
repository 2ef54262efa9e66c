package par

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counter counts how often each chunk runs and on which goroutines.
type counter struct {
	runs []atomic.Int32
	tids [8]atomic.Int32
}

func (c *counter) Chunk(tid, id int) {
	c.runs[id].Add(1)
	c.tids[tid].Add(1)
}

func TestEveryChunkRunsOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 7, 64, 1000} {
		for _, threads := range []int{1, 2, 4} {
			var j Job
			for rep := 0; rep < 50; rep++ {
				c := &counter{runs: make([]atomic.Int32, n)}
				nt := Acquire(threads, false)
				require.LessOrEqual(t, nt, max(1, min(threads, Threads())))
				j.Run(c, n, nt)
				for id := range c.runs {
					require.Equal(t, int32(1), c.runs[id].Load(), "n=%d threads=%d chunk %d", n, threads, id)
				}
				total := int32(0)
				for i := range c.tids {
					total += c.tids[i].Load()
				}
				assert.Equal(t, int32(n), total)
			}
		}
	}
}

func TestRunReleasesThePool(t *testing.T) {
	if Threads() < 2 {
		t.Skip("one CPU: the pool has no workers")
	}
	var j Job
	c := &counter{runs: make([]atomic.Int32, 1)}
	// One chunk on two goroutines still releases the workers.
	j.Run(c, 1, Acquire(2, false))
	nt := Acquire(2, false)
	assert.Equal(t, 2, nt, "the pool was not released")
	j.Run(c, 0, nt)
	assert.Equal(t, 2, Acquire(2, false))
	j.Run(&nop{}, 2, 2)
}

func TestConcurrentJobs(t *testing.T) {
	// Jobs from several goroutines at once: one gets the workers, the
	// others run alone, and every chunk runs once.
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var j Job
			for rep := 0; rep < 200; rep++ {
				c := &counter{runs: make([]atomic.Int32, 16)}
				j.Run(c, 16, Acquire(Threads(), rep%2 == 0))
				for id := range c.runs {
					if c.runs[id].Load() != 1 {
						t.Errorf("chunk %d ran %d times", id, c.runs[id].Load())
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

type nop struct{ sum atomic.Int64 }

func (c *nop) Chunk(tid, id int) { c.sum.Add(int64(id)) }

func TestRunAllocatesNothing(t *testing.T) {
	var j Job
	c := &nop{}
	j.Run(c, 8, Acquire(Threads(), false))
	allocs := testing.AllocsPerRun(100, func() {
		j.Run(c, 8, Acquire(Threads(), false))
	})
	assert.Zero(t, allocs)
}

func TestTooManyChunksPanics(t *testing.T) {
	var j Job
	assert.Panics(t, func() { j.Run(&nop{}, MaxChunks+1, 1) })
}

func BenchmarkRun(b *testing.B) {
	var j Job
	c := &nop{}
	for b.Loop() {
		j.Run(c, 2, Acquire(Threads(), false))
	}
}

// sleeper records which goroutine ran each chunk; a chunk sleeps, so the
// other goroutine has time to claim the rest.
type sleeper struct {
	d    time.Duration
	tids []atomic.Int32
}

func (s *sleeper) Chunk(tid, id int) {
	s.tids[id].Store(int32(tid))
	time.Sleep(s.d)
}

// TestParkedWorkerGetsTheJob: a worker that has parked (its spin ran out)
// is woken by the next job and takes its share of it.
func TestParkedWorkerGetsTheJob(t *testing.T) {
	if Threads() < 2 {
		t.Skip("one CPU: the pool has no workers")
	}
	var j Job
	for rep := 0; rep < 5; rep++ {
		time.Sleep(20 * workerSpin) // the worker parks
		s := &sleeper{d: 20 * time.Millisecond, tids: make([]atomic.Int32, 2)}
		for i := range s.tids {
			s.tids[i].Store(-1)
		}
		j.Run(s, 2, Acquire(2, false))
		assert.ElementsMatch(t, []int32{0, 1}, []int32{s.tids[0].Load(), s.tids[1].Load()}, "round %d: the parked worker ran no chunk", rep)
	}
}

// TestDispatchReplacesAStaleTask: a worker late for a job (descheduled by
// the OS, say) leaves that job's task in its channel after the caller has
// done every chunk alone. The next dispatch must replace it: when it
// dropped the new task instead, the worker, late again, missed that job
// too, and a run could stay in that state for good. On the MNIST step
// with OpenBLAS that showed as runs 1.8x slower than others (4 of 8
// processes), with the worker idle for a fifth to a half of the products.
func TestDispatchReplacesAStaleTask(t *testing.T) {
	p := &pool{workers: make([]worker, 1)} // no goroutine reads the channel
	w := &p.workers[0]
	w.ch = make(chan task, 1)
	var stale, fresh Job
	w.ch <- task{j: &stale, tid: 1, seq: 7}
	p.dispatch(&fresh, 2, 8)
	got := <-w.ch
	assert.Same(t, &fresh, got.j)
	assert.Equal(t, uint32(8), got.seq)
	assert.Equal(t, 1, got.tid)
	// A wake-up call is replaced the same way.
	w.ch <- task{}
	p.dispatch(&fresh, 2, 9)
	got = <-w.ch
	assert.Same(t, &fresh, got.j)
	assert.Equal(t, uint32(9), got.seq)
}

func TestParkSendsTheWorkersToSleep(t *testing.T) {
	if Threads() < 2 {
		t.Skip("one CPU: the pool has no workers")
	}
	var j Job
	p := workerPool()
	for rep := 0; rep < 3; rep++ {
		j.Run(&nop{}, 4, Acquire(2, false)) // the worker is awake now
		Park()
		deadline := time.Now().Add(time.Second)
		for p.workers[0].hot.Load() != 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Microsecond)
		}
		assert.Zero(t, p.workers[0].hot.Load(), "the worker still polls after Park")
		// A cheap job runs on the caller and leaves it asleep: the C
		// library that asked for Park has the other cores.
		s0 := &sleeper{tids: make([]atomic.Int32, 4)}
		calls := p.wakeCalls.Load()
		j.Run(s0, 4, Acquire(2, true))
		assert.Equal(t, calls, p.wakeCalls.Load(), "a cheap job sent the parked worker a wake-up call")
		time.Sleep(workerSpin / 4)
		for id := range s0.tids {
			assert.Zero(t, s0.tids[id].Load(), "chunk %d of a cheap job", id)
		}
		assert.Zero(t, p.workers[0].hot.Load(), "a cheap job woke the parked worker")
		// After Unpark a cheap job runs on its caller but wakes the
		// worker for the jobs that follow, as without Park.
		Unpark()
		calls = p.wakeCalls.Load()
		j.Run(s0, 4, Acquire(2, true))
		assert.Equal(t, calls+1, p.wakeCalls.Load(), "a cheap job after Unpark sent no wake-up call")
		Park() // and back to sleep, for the check below
		// The next job that is not cheap wakes it and gets its help.
		s := &sleeper{d: 20 * time.Millisecond, tids: make([]atomic.Int32, 2)}
		j.Run(s, 2, Acquire(2, false))
		assert.ElementsMatch(t, []int32{0, 1}, []int32{s.tids[0].Load(), s.tids[1].Load()})
	}
}
