package train_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/models/mlp"
	"github.com/gradgraph/gradgraph/solvers"
	"github.com/gradgraph/gradgraph/train"
)

// spirals is the small problem these tests train on: two interleaved
// spirals, 400 points, 2-16-16-2.
func spirals(t testing.TB) (trainSet, val *datasets.Dataset, net *mlp.Network) {
	d := datasets.Spirals(200, 0.05, 3)
	trainSet, val = d.SplitRandom(80, 4)
	net, err := mlp.New([]int{2, 32, 32, 2}, []mlp.Activation{mlp.Tanh, mlp.Tanh, mlp.Softmax}, mlp.CrossEntropy, tensor.Float32, 5)
	require.NoError(t, err)
	return trainSet, val, net
}

func adam(t testing.TB) *solvers.Solver {
	s, err := solvers.New(solvers.Adam{Eta: 0.05, Delta: 1e-8, Rho1: 0.9, Rho2: 0.999}, solvers.Schedule{})
	require.NoError(t, err)
	return s
}

func newLoop(t testing.TB, ckpt string) *train.Loop {
	trainSet, val, net := spirals(t)
	l, err := train.New(net, trainSet, val, adam(t), train.Options{BatchSize: 24, Seed: 9, Checkpoint: ckpt})
	require.NoError(t, err)
	return l
}

func TestTrainingLearnsSpirals(t *testing.T) {
	l := newLoop(t, "")
	var batches int
	l.OnBatch = func(p train.Progress) { batches++ }
	require.NoError(t, l.Run(context.Background(), 400))
	h := l.History()
	require.Len(t, h, 400)
	// 320 training points in batches of 24: 13 full batches and one of 8.
	assert.Equal(t, 400*14, batches)
	// With Adam at η = 0.05 the loss of single epochs swings (0.05 to 0.6
	// late in training), and with it the last value, however the last bits
	// of the arithmetic fall: judge the median of the last 50 epochs.
	last := make([]float64, 0, 50)
	for _, e := range h[350:] {
		last = append(last, e.Loss)
	}
	slices.Sort(last)
	assert.Less(t, last[len(last)/2], h[0].Loss/4, "the loss falls")
	assert.Greater(t, h[399].ValAccuracy, 0.9, "two spirals are separable by a small MLP")
}

// weights returns every parameter of net, as exact bits.
func weights(net *mlp.Network) [][]float32 {
	var out [][]float32
	for _, l := range net.Layers {
		out = append(out, append([]float32(nil), l.Weights.Float32s()...), append([]float32(nil), l.Bias.Float32s()...))
	}
	return out
}

// TestKilledRunResumesBitIdentical starts training in a child process,
// kills it with SIGKILL once it has written a checkpoint, resumes from that
// checkpoint here, and checks that the weights equal, bit for bit, those of
// an uninterrupted run with the same seed.
func TestKilledRunResumesBitIdentical(t *testing.T) {
	if os.Getenv("GRADGRAPH_TRAIN_CHILD") != "" {
		t.Skip("this is the child process")
	}
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildTrainer$", "-test.v")
	cmd.Env = append(os.Environ(), "GRADGRAPH_TRAIN_CHILD="+ckpt)
	require.NoError(t, cmd.Start())
	epoch := 0
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if epoch = checkpointEpoch(ckpt); epoch >= 3 {
			break
		}
	}
	require.NoError(t, cmd.Process.Signal(syscall.SIGKILL))
	err := cmd.Wait()
	require.Error(t, err, "the child was killed, not finished")
	epoch = checkpointEpoch(ckpt)
	require.GreaterOrEqual(t, epoch, 3, "the child wrote checkpoints before it was killed")
	total := epoch + 4

	resumed := newLoop(t, filepath.Join(t.TempDir(), "again.ckpt"))
	require.NoError(t, resumed.Resume(ckpt))
	assert.Equal(t, epoch, resumed.Epoch())
	require.NoError(t, resumed.Run(context.Background(), total))

	straight := newLoop(t, "")
	require.NoError(t, straight.Run(context.Background(), total))

	assert.Equal(t, weights(straight.Network()), weights(resumed.Network()), "bit-identical weights")
	assert.Equal(t, straight.History()[total-1].Loss, resumed.History()[total-1].Loss)
}

// TestChildTrainer is the child process of TestKilledRunResumesBitIdentical:
// it trains for a long time, checkpointing every epoch, until killed.
func TestChildTrainer(t *testing.T) {
	ckpt := os.Getenv("GRADGRAPH_TRAIN_CHILD")
	if ckpt == "" {
		t.Skip("only runs as the child of TestKilledRunResumesBitIdentical")
	}
	l := newLoop(t, ckpt)
	l.OnEpoch = func(train.EpochStats) error { time.Sleep(20 * time.Millisecond); return nil }
	require.NoError(t, l.Run(context.Background(), 100000))
}

// checkpointEpoch returns the epoch recorded in a checkpoint file, 0 if it
// does not exist yet. The file is written atomically, so it is never seen
// half-written.
func checkpointEpoch(path string) int {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var c struct {
		Body struct {
			Epoch int `json:"epoch"`
		} `json:"body"`
	}
	if json.Unmarshal(data, &c) != nil {
		panic("a checkpoint was read half-written: " + strconv.Quote(string(data[:min(len(data), 80)])))
	}
	return c.Body.Epoch
}

func TestResumeRejectsAnotherRun(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "a.ckpt")
	l := newLoop(t, ckpt)
	require.NoError(t, l.Run(context.Background(), 1))
	trainSet, val, net := spirals(t)
	other, err := train.New(net, trainSet, val, adam(t), train.Options{BatchSize: 24, Seed: 10})
	require.NoError(t, err)
	err = other.Resume(ckpt)
	assert.EqualError(t, err, fmt.Sprintf("train: resume: %s was written with seed 9; this run has seed 10", ckpt))
}

// TestNaNStopsTrainingNamingTheNode: weights of 1e20 overflow float32 in the
// second layer's product; training stops at the first batch and the error
// names that node.
func TestNaNStopsTrainingNamingTheNode(t *testing.T) {
	trainSet, val, _ := spirals(t)
	big := func(r, c int) [][]float64 {
		w := make([][]float64, r)
		for i := range w {
			w[i] = make([]float64, c)
			for k := range w[i] {
				w[i][k] = 1e20
			}
		}
		return w
	}
	net, err := mlp.FromWeights(mlp.CrossEntropy, []mlp.Activation{mlp.ReLU, mlp.Softmax},
		[][][]float64{big(2, 4), big(4, 2)}, [][]float64{{1, 1, 1, 1}, {0, 0}}, tensor.Float32)
	require.NoError(t, err)
	l, err := train.New(net, trainSet, val, adam(t), train.Options{BatchSize: 16, Seed: 1})
	require.NoError(t, err)
	err = l.Run(context.Background(), 1)
	require.ErrorIs(t, err, graph.ErrNonFinite)
	assert.Regexp(t, `^train: epoch 1, batch 1: node Omega2T_alpha1 \(MatMul\) produced [+-]Inf at index \d+$`, err.Error())
}

func TestNewRejectsMismatchedData(t *testing.T) {
	trainSet, val, _ := spirals(t)
	net, err := mlp.New([]int{3, 2}, []mlp.Activation{mlp.Softmax}, mlp.CrossEntropy, tensor.Float64, 1)
	require.NoError(t, err)
	_, err = train.New(net, trainSet, val, adam(t), train.Options{BatchSize: 8})
	assert.EqualError(t, err, "train: the network takes 3 inputs, the data has 2 features")
}

// TestAccuracyWithAShortLastBatch: 1500 samples are evaluated as a batch of
// 1000 and a padded one of 500; the count must equal a direct forward pass.
func TestAccuracyWithAShortLastBatch(t *testing.T) {
	d := datasets.Spirals(750, 0.05, 8)
	require.Equal(t, 1500, d.Len())
	net, err := mlp.New([]int{2, 8, 2}, []mlp.Activation{mlp.Tanh, mlp.Softmax}, mlp.CrossEntropy, tensor.Float64, 2)
	require.NoError(t, err)
	got, err := train.Accuracy(net, d)
	require.NoError(t, err)

	x := make([]float64, 2*d.Len())
	idx := make([]int, d.Len())
	for k := range idx {
		idx[k] = k
	}
	datasets.FillBatch(d, idx, x, nil, nil)
	out, err := net.Forward(tensor.New(tensor.WithShape(2, d.Len()), tensor.WithBacking(x)))
	require.NoError(t, err)
	a := out.Float64s()
	correct := 0
	for k := range idx {
		best := 0
		if a[d.Len()+k] > a[k] {
			best = 1
		}
		if best == int(d.Labels[k]) {
			correct++
		}
	}
	assert.Equal(t, float64(correct)/float64(d.Len()), got)
}

// TestInfiniteCostStopsTraining: a cost of +Inf (no NaN anywhere: tanh
// bounds the hidden layer, the identity output reaches 1e20 and its square
// overflows float32) stops training before the first update, naming the
// node, and leaves the parameters as they were.
func TestInfiniteCostStopsTraining(t *testing.T) {
	trainSet, val, _ := spirals(t)
	net, err := mlp.FromWeights(mlp.Quadratic, []mlp.Activation{mlp.Tanh, mlp.Identity},
		[][][]float64{{{1, -1, 0.5}, {0.5, 1, -1}}, {{1e20, 1e20}, {1e20, -1e20}, {1e20, 1e20}}},
		[][]float64{{0, 0, 0}, {0, 0}}, tensor.Float32)
	require.NoError(t, err)
	before := weights(net)
	l, err := train.New(net, trainSet, val, adam(t), train.Options{BatchSize: 16, Seed: 1})
	require.NoError(t, err)
	err = l.Run(context.Background(), 1)
	require.ErrorIs(t, err, graph.ErrNonFinite)
	assert.NotErrorIs(t, err, train.ErrDiverged)
	assert.Regexp(t, `^train: epoch 1, batch 1: node \S+ \(\w+\) produced \+Inf at index \d+$`, err.Error())
	assert.Equal(t, before, weights(l.Network()), "no update after a cost that is not finite")
}

// TestDivergedUpdateStopsTraining: SGD with η = 1e300 (+Inf in float32)
// keeps the first cost finite but leaves NaN and ±Inf in the parameters.
// Training stops after that very update, even when it is the last one of
// the run (one batch, one epoch), whose cost nobody computes.
func TestDivergedUpdateStopsTraining(t *testing.T) {
	trainSet, val, net := spirals(t)
	sgd, err := solvers.New(solvers.SGD{Eta: 1e300}, solvers.Schedule{})
	require.NoError(t, err)
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	l, err := train.New(net, trainSet, val, sgd, train.Options{BatchSize: trainSet.Len(), Seed: 1, Checkpoint: ckpt})
	require.NoError(t, err)
	err = l.Run(context.Background(), 1)
	require.ErrorIs(t, err, train.ErrDiverged)
	assert.Regexp(t, `^train: epoch 1, batch 1: training diverged: the update made Omega1 (NaN|[+-]Inf) at index \d+$`, err.Error())
	assert.Equal(t, 0, l.Epoch())
	assert.NoFileExists(t, ckpt, "no checkpoint of a diverged epoch")
}

// breakAfter is an optimizer that takes good steps until step n, whose
// update turns a component of the last parameter into +Inf.
type breakAfter struct {
	*solvers.Solver
	n, steps int
}

func (b *breakAfter) Step(params, grads []*graph.Node) error {
	if err := b.Solver.Step(params, grads); err != nil {
		return err
	}
	if b.steps++; b.steps == b.n {
		p := params[len(params)-1].Storage()
		p.F32[len(p.F32)-1] = float32(math.Inf(1))
	}
	return nil
}

// TestDivergenceKeepsTheLastGoodCheckpoint: a run that diverges in epoch 3
// leaves the checkpoint of epoch 2 in place, which resumes.
func TestDivergenceKeepsTheLastGoodCheckpoint(t *testing.T) {
	trainSet, val, net := spirals(t)
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	opt := &breakAfter{Solver: adam(t), n: 2*14 + 5}
	l, err := train.New(net, trainSet, val, opt, train.Options{BatchSize: 24, Seed: 9, Checkpoint: ckpt})
	require.NoError(t, err)
	err = l.Run(context.Background(), 5)
	require.ErrorIs(t, err, train.ErrDiverged)
	assert.Regexp(t, `^train: epoch 3, batch 5: training diverged: the update made beta3 \+Inf at index 1$`, err.Error())
	assert.Equal(t, 2, checkpointEpoch(ckpt))
	require.NoError(t, newLoop(t, "").Resume(ckpt))
}

// checkpointed trains the spirals loop with settings for two epochs,
// checkpointing, and returns the checkpoint's path.
func checkpointed(t *testing.T, settings []train.Setting) string {
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	trainSet, val, net := spirals(t)
	l, err := train.New(net, trainSet, val, adam(t), train.Options{BatchSize: 24, Seed: 9, Checkpoint: ckpt, Settings: settings})
	require.NoError(t, err)
	require.NoError(t, l.Run(context.Background(), 2))
	return ckpt
}

// TestResumeRefusesEveryChangedSetting: every setting that changes the
// result is recorded, and resuming with another value is a
// *MismatchError that names it.
func TestResumeRefusesEveryChangedSetting(t *testing.T) {
	settings := []train.Setting{{"eta", "0.05"}, {"limit", "0"}}
	ckpt := checkpointed(t, settings)
	trainSet, val, net := spirals(t)
	net64, err := net.Convert(tensor.Float64)
	require.NoError(t, err)
	o := train.Options{BatchSize: 24, Seed: 9, Settings: settings}
	with := func(f func(o *train.Options)) train.Options {
		c := o
		c.Settings = slices.Clone(o.Settings)
		f(&c)
		return c
	}
	cases := []struct {
		setting     string
		net         *mlp.Network
		train, val  *datasets.Dataset
		opts        train.Options
		ckpt, value string
	}{
		{"seed", net, trainSet, val, with(func(o *train.Options) { o.Seed = 10 }), "9", "10"},
		{"batch_size", net, trainSet, val, with(func(o *train.Options) { o.BatchSize = 25 }), "24", "25"},
		{"dtype", net64, trainSet, val, o, "float32", "float64"},
		{"drop_last", net, trainSet, val, with(func(o *train.Options) { o.DropLast = true }), "false", "true"},
		{"eta", net, trainSet, val, with(func(o *train.Options) { o.Settings[0].Value = "0.1" }), "0.05", "0.1"},
		{"limit", net, trainSet, val, with(func(o *train.Options) { o.Settings = o.Settings[:1] }), "0", ""},
		{"schedule", net, trainSet, val, with(func(o *train.Options) { o.Settings = append(o.Settings, train.Setting{"schedule", "constant"}) }), "", "constant"},
		{"eta", net, trainSet, val, with(func(o *train.Options) { o.Settings = []train.Setting{{"eta", "1"}, {"limit", "1"}} }), "0.05", "1"},
		{"train_data", net, trainSet.Slice(0, trainSet.Len()-1), val, o, "", ""},
		{"val_data", net, trainSet, val.Slice(1, val.Len()), o, "", ""},
	}
	for _, c := range cases {
		t.Run(c.setting, func(t *testing.T) {
			l, err := train.New(c.net, c.train, c.val, adam(t), c.opts)
			require.NoError(t, err)
			err = l.Resume(ckpt)
			var me *train.MismatchError
			require.ErrorAs(t, err, &me)
			assert.Equal(t, c.setting, me.Setting)
			if c.ckpt != "" || c.value != "" {
				assert.Equal(t, c.ckpt, me.Checkpoint)
				assert.Equal(t, c.value, me.Run)
			}
		})
	}
	same, err := train.New(net, trainSet, val, adam(t), o)
	require.NoError(t, err)
	require.NoError(t, same.Resume(ckpt))
	assert.Equal(t, 2, same.Epoch())
	assert.EqualError(t, same.Run(context.Background(), 1), "train: run to epoch 1: 2 epochs are complete already")
	require.NoError(t, same.Run(context.Background(), 2), "nothing left to do is not an error")
}

// rewrite replaces the body of the checkpoint at path with edit(body) and
// writes a correct checksum for it, so that only the edit is tested.
func rewrite(t *testing.T, path string, edit func(body string) string) string {
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var file struct {
		Format string          `json:"format"`
		Body   json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	body := edit(string(file.Body))
	sum := sha256.Sum256([]byte(body))
	out := filepath.Join(t.TempDir(), "edited.ckpt")
	require.NoError(t, os.WriteFile(out, []byte(fmt.Sprintf(`{"format":%q,"sha256":%q,"body":%s}`, file.Format, hex.EncodeToString(sum[:]), body)), 0o644))
	return out
}

// TestResumeValidatesEveryField: a checkpoint whose fields are out of
// range, inconsistent, duplicated or missing is refused with the field's
// name, even with a correct checksum.
func TestResumeValidatesEveryField(t *testing.T) {
	ckpt := checkpointed(t, nil)
	re := func(pattern, repl string) func(string) string {
		return func(s string) string {
			r := regexp.MustCompile(pattern)
			require.True(t, r.MatchString(s), pattern)
			return r.ReplaceAllString(s, repl)
		}
	}
	cases := []struct {
		name string
		edit func(string) string
		want string
	}{
		{"negative epoch", re(`"epoch":2,"seed"`, `"epoch":-5,"seed"`), `body.epoch: -5, want an integer in \[0, 2147483647\]`},
		{"huge epoch", re(`"epoch":2,"seed"`, `"epoch":4611686018427387904,"seed"`), `body.epoch: 4611686018427387904, want an integer`},
		{"epoch beyond the history", re(`"epoch":2,"seed"`, `"epoch":3,"seed"`), `body.history: 2 epochs, but body.epoch is 3`},
		{"fractional epoch", re(`"epoch":2,"seed"`, `"epoch":2.5,"seed"`), `body.epoch: 2.5, want an integer`},
		{"missing solver", re(`"solver":"[^"]*"`, `"solver":null`), `solver: missing, and this run's optimizer keeps a state`},
		{"solver not base64", re(`"solver":"[^"]*"`, `"solver":"%%%"`), `body.solver: want null or the solver's state in base64`},
		{"solver absent", re(`,"solver":"[^"]*"`, ``), `body.solver: missing field`},
		{"duplicate key", re(`"seed":9,`, `"seed":9,"seed":9,`), `body.seed: duplicate field`},
		{"duplicate setting", re(`"settings":\{\}`, `"settings":{"eta":"0.05","eta":"0.05"}`), `body.settings.eta: duplicate field`},
		{"duplicate in history", re(`"loss":`, `"loss":1,"loss":`), `body.history\[0\].loss: duplicate field`},
		{"duplicate in params", re(`"Omega1":\{"dtype":"float32",`, `"Omega1":{"dtype":"float32","dtype":"float32",`), `body.params.Omega1.dtype: duplicate field`},
		{"param of another shape", re(`"Omega1":\{"dtype":"float32","shape":\[2,32\]`, `"Omega1":{"dtype":"float32","shape":[32,2]`), `body.params.Omega1.shape: \[32 2\], want \[2 32\]`},
		{"param of another dtype", re(`"Omega1":\{"dtype":"float32"`, `"Omega1":{"dtype":"float64"`), `body.params.Omega1.dtype: "float64", want "float32"`},
		{"param renamed", re(`"Omega1":`, `"Omega9":`), `body.params: no Omega1, which the model has`},
		{"param data cut", re(`"Omega1":\{"dtype":"float32","shape":\[2,32\],"data":"[^"]{8}`, `"Omega1":{"dtype":"float32","shape":[2,32],"data":"`), `body.params.Omega1.data: 250 bytes, want 256`},
		{"extra stream", re(`"streams":\[\]`, `"streams":[[1,2]]`), `body.streams: 1 random streams, the model has 0`},
		{"unknown key", re(`"seed":9,`, `"seed":9,"sead":9,`), `body.sead: unknown field`},
		{"key in another case", re(`"seed":9,`, `"Seed":9,`), `body.Seed: unknown field`},
		{"negative seed", re(`"seed":9,`, `"seed":-9,`), `body.seed: -9, want an unsigned integer`},
		{"dtype", re(`"dtype":"float32"`, `"dtype":"int8"`), `body.dtype: "int8", want float32 or float64`},
		{"setting not a string", re(`"settings":\{\}`, `"settings":{"eta":0.05}`), `body.settings.eta: 0.05, want a string`},
		{"history numbering", re(`\{"epoch":2,"loss"`, `{"epoch":7,"loss"`), `body.history\[1\].epoch: 7, want an integer in \[2, 2\]`},
		{"accuracy above 1", re(`"val_accuracy":[0-9.e-]+`, `"val_accuracy":1.5`), `body.history\[0\].val_accuracy: 1.5, want a finite number in \[0, 1\]`},
		{"negative seconds", re(`"seconds":[0-9.e-]+`, `"seconds":-1`), `body.history\[0\].seconds: -1, want a finite number in \[0, \+Inf\]`},
		{"solver steps of another epoch", func(s string) string {
			s = regexp.MustCompile(`"epoch":2,"seed"`).ReplaceAllString(s, `"epoch":1,"seed"`)
			return regexp.MustCompile(`,\{"epoch":2,"loss"[^\]]*\]`).ReplaceAllString(s, `]`)
		}, `solver: 28 steps taken, want 14 \(1 epochs of 14 batches\)`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			edited := rewrite(t, ckpt, c.edit)
			err := newLoop(t, "").Resume(edited)
			require.Error(t, err)
			assert.Regexp(t, `^train: resume: `+regexp.QuoteMeta(edited)+`: `+c.want, err.Error())
		})
	}
	require.NoError(t, newLoop(t, "").Resume(rewrite(t, ckpt, func(s string) string { return s })), "an unchanged body passes")
}

// TestResumeRefusesBitFlips: any single bit flipped anywhere in a
// checkpoint file makes Resume fail.
func TestResumeRefusesBitFlips(t *testing.T) {
	ckpt := checkpointed(t, nil)
	data, err := os.ReadFile(ckpt)
	require.NoError(t, err)
	l := newLoop(t, "")
	flipped := filepath.Join(t.TempDir(), "flipped.ckpt")
	r := rand.New(rand.NewPCG(1, 2))
	for range 300 {
		i, bit := r.IntN(len(data)), r.IntN(8)
		bad := slices.Clone(data)
		bad[i] ^= 1 << bit
		require.NoError(t, os.WriteFile(flipped, bad, 0o644))
		assert.Error(t, l.Resume(flipped), "bit %d of byte %d (%q)", bit, i, data[i])
	}
	assert.NoError(t, newLoop(t, "").Resume(ckpt))
}

// OptimizeFunc hands over the steps Optimize returns, one by one, and stops
// at the first error of its callback.
func TestOptimizeFuncStreams(t *testing.T) {
	net, err := mlp.FromWeights(mlp.Quadratic, []mlp.Activation{mlp.Identity}, [][][]float64{{{0.3}, {-0.2}}}, [][]float64{{0.1}}, tensor.Float64)
	require.NoError(t, err)
	x, _ := mlp.FromRows([][]float64{{1, 2, 3, 4}, {0, 1, 0, 1}}, tensor.Float64)
	y, _ := mlp.FromRows([][]float64{{1, 0, 1, 0}}, tensor.Float64)
	sgd := func() *solvers.Solver {
		s, err := solvers.New(solvers.SGD{Eta: 0.05}, solvers.Schedule{})
		require.NoError(t, err)
		return s
	}
	all, err := train.Optimize(net, x, y, sgd(), 7, 2)
	require.NoError(t, err)
	require.Len(t, all, 7)
	var got []train.TrajectoryStep
	stop := errors.New("enough")
	err = train.OptimizeFunc(net, x, y, sgd(), 7, 2, func(st train.TrajectoryStep) error {
		got = append(got, st)
		if len(got) == 5 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	require.Len(t, got, 5)
	for i := range got {
		assert.Equal(t, all[i].Cost, got[i].Cost)
		assert.Equal(t, weights64(all[i].Network), weights64(got[i].Network))
	}
}

func weights64(net *mlp.Network) [][]float64 {
	var out [][]float64
	for _, l := range net.Layers {
		out = append(out, mlp.Float64s(l.Weights), mlp.Float64s(l.Bias))
	}
	return out
}
