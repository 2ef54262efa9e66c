package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/datasets"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/models/mlp"
)

// TestTrainSaveEval trains a small network on part of MNIST, saves it,
// exports it, and evaluates the saved model with gradgraph eval.
func TestTrainSaveEval(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "model.json")
	st := filepath.Join(dir, "model.safetensors")
	png := filepath.Join(dir, "curves.png")
	out, errOut, code := runCLI("train", "--limit", "3000", "--val", "500", "--epochs", "2", "--layers", "32",
		"--save", model, "--export", st, "--plot", png, "--json")
	require.Equal(t, 0, code, errOut)
	var summary map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &summary), out)
	acc := summary["test_accuracy"].(float64)
	assert.Greater(t, acc, 0.70, "2 epochs on 2500 images already beat chance (0.1) by far")
	assert.Equal(t, 2.0, summary["epochs"])
	assert.Contains(t, summary, "seconds")
	assert.Len(t, summary["history"], 2)

	data, err := os.ReadFile(model)
	require.NoError(t, err)
	net, err := mlp.ParseNetwork(data, tensor.Float32)
	require.NoError(t, err)
	assert.Equal(t, []int{784, 32, 10}, net.Sizes())
	for _, f := range []string{st, png} {
		info, err := os.Stat(f)
		require.NoError(t, err)
		assert.Greater(t, info.Size(), int64(100), f)
	}

	out, errOut, code = runCLI("eval", "--model", model, "--json")
	require.Equal(t, 0, code, errOut)
	var ev map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &ev))
	assert.Equal(t, acc, ev["test_accuracy"], "the saved model is the trained one")
}

func TestTrainResumeFromCheckpoint(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	args := []string{"train", "--limit", "1500", "--val", "300", "--layers", "16", "--checkpoint", ckpt, "--json"}
	_, errOut, code := runCLI(append(args, "--epochs", "1")...)
	require.Equal(t, 0, code, errOut)
	out, errOut, code := runCLI(append(args, "--epochs", "2", "--resume")...)
	require.Equal(t, 0, code, errOut)
	var resumed map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &resumed))
	out, errOut, code = runCLI(append(args[:len(args)-3], "--json", "--epochs", "2")...)
	require.Equal(t, 0, code, errOut)
	var straight map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &straight))
	assert.Equal(t, straight["test_accuracy"], resumed["test_accuracy"])
	assert.Equal(t, straight["history"].([]any)[1].(map[string]any)["loss"], resumed["history"].([]any)[1].(map[string]any)["loss"])
}

func TestTrainBadFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--rule", "adamw"}, `--rule: unknown rule "adamw" (want sgd, momentum, nesterov, adagrad, rmsprop, adadelta, adam or delta_bar_delta)`},
		{[]string{"--rule", "adadelta", "--eta", "0.1"}, "--eta: not a parameter of adadelta"},
		{[]string{"--rho1", "1.5"}, "--rho1: 1.5 out of range [0, 1)"},
		{[]string{"--schedule", "inverse"}, "--decay: missing (required by inverse)"},
		{[]string{"--rule", "adadelta", "--schedule", "exponential", "--decay", "0.1"}, `--schedule: "exponential" not allowed with adadelta (only constant)`},
		{[]string{"--schedule", "constant", "--decay", "0.1"}, "--decay: not a parameter of the constant schedule"},
		{[]string{"--batch", "0"}, "--batch: 0, want > 0"},
		{[]string{"--epochs", "-1"}, "--epochs: -1, want > 0"},
		{[]string{"--dtype", "int8"}, `--dtype: unknown dtype "int8" (want float64 or float32)`},
		{[]string{"--resume"}, "--resume needs --checkpoint FILE"},
		{[]string{"--layers", "64,x", "--limit", "100", "--val", "10"}, `--layers: "x" is not a positive layer size`},
		{[]string{"--activation", "gelu", "--limit", "100", "--val", "10"}, `--activation: unknown activation "gelu" (want identity, sigmoid, tanh, relu or softmax)`},
		{[]string{"--cost", "hinge", "--limit", "100", "--val", "10"}, `--cost: unknown cost "hinge" (want quadratic, binary_cross_entropy or cross_entropy)`},
		{[]string{"--limit", "100", "--val", "100"}, "--val: 100 leaves no training images out of 100"},
		{[]string{"--data", "/nonexistent"}, ""},
		{[]string{"--epochs"}, "--epochs: needs a value"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, code := runCLI(append([]string{"train"}, tt.args...)...)
			assert.NotEqual(t, 0, code)
			assert.Empty(t, out)
			assert.Equal(t, 1, strings.Count(errOut, "\n"), errOut)
			assert.True(t, strings.HasPrefix(errOut, "gradgraph: "), errOut)
			if tt.want != "" {
				assert.Equal(t, "gradgraph: "+tt.want+"\n", errOut)
			}
		})
	}
}

func TestEvalBadInput(t *testing.T) {
	p := writeTemp(t, "model.json", `{"cost": "cross_entropy", "layers": [{"activation": "softmax", "weights": [[1, 2]], "bias": [0, 0]}]}`)
	_, errOut, code := runCLI("eval", "--model", p)
	assert.Equal(t, 1, code)
	assert.Equal(t, "gradgraph: "+p+": the model maps 1 inputs to 2 outputs, the data has 784 features and 10 classes\n", errOut)
	_, errOut, code = runCLI("eval")
	assert.Equal(t, 2, code)
	assert.Equal(t, "gradgraph: --model is required\n", errOut)
}

func TestBenchJSON(t *testing.T) {
	out, errOut, code := runCLI("bench", "--steps", "3", "--batch", "16", "--dtype", "float64", "--rule", "adam", "--json")
	require.Equal(t, 0, code, errOut)
	var b map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &b))
	for _, k := range []string{"ms_per_step", "steps", "allocs_per_step", "batch", "dtype", "rule"} {
		assert.Contains(t, b, k)
	}
	assert.Equal(t, 3.0, b["steps"])
	assert.Equal(t, 16.0, b["batch"])
	assert.Equal(t, "float64", b["dtype"])
	assert.Equal(t, "adam", b["rule"])
	assert.Greater(t, b["ms_per_step"].(float64), 0.0)
	assert.Contains(t, b, "gorgonia")
}

// TestTrainDivergedWritesNothing: η = 1e300 leaves NaN in the weights
// after the one update of the run; the command fails naming the epoch and
// the divergence, and writes neither model, nor export, nor checkpoint.
func TestTrainDivergedWritesNothing(t *testing.T) {
	dir := t.TempDir()
	model, st, ckpt := filepath.Join(dir, "m.json"), filepath.Join(dir, "m.safetensors"), filepath.Join(dir, "run.ckpt")
	_, errOut, code := runCLI("train", "--rule", "sgd", "--schedule", "constant", "--eta", "1e300", "--limit", "600", "--val", "500",
		"--layers", "16", "--epochs", "1", "--checkpoint", ckpt, "--save", model, "--export", st)
	assert.Equal(t, 1, code)
	assert.Regexp(t, `^gradgraph: train: epoch 1, batch 1: training diverged: the update made Omega1 (NaN|[+-]Inf) at index \d+\n$`, errOut)
	assert.NoFileExists(t, model)
	assert.NoFileExists(t, st)
	assert.NoFileExists(t, ckpt)
}

// TestTrainStoppedKeepsTheCheckpoint: SGD with η = 8 on a quadratic cost
// grows until the cost overflows in a later epoch; the message says which
// epoch the checkpoint file still holds, and it holds that one.
func TestTrainStoppedKeepsTheCheckpoint(t *testing.T) {
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	_, errOut, code := runCLI("train", "--rule", "sgd", "--schedule", "constant", "--eta", "8", "--limit", "600", "--val", "500",
		"--layers", "16", "--cost", "quadratic", "--output", "identity", "--epochs", "100", "--checkpoint", ckpt)
	assert.Equal(t, 1, code)
	m := regexp.MustCompile(`^gradgraph: train: epoch (\d+)(?:, batch 1)?: .*; ` + regexp.QuoteMeta(ckpt) + ` keeps the state after epoch (\d+)\n$`).FindStringSubmatch(errOut)
	require.NotNil(t, m, errOut)
	failed, kept := m[1], m[2]
	n, err := strconv.Atoi(kept)
	require.NoError(t, err)
	assert.Equal(t, strconv.Itoa(n+1), failed)
	data, err := os.ReadFile(ckpt)
	require.NoError(t, err)
	var c struct{ Body struct{ Epoch int } }
	require.NoError(t, json.Unmarshal(data, &c))
	assert.Equal(t, n, c.Body.Epoch)
}

// writeMNIST writes a small MNIST-format set to a new directory: n
// training and 50 test images whose pixel j of image k is (k·7+j+shift)
// mod 256, labels k mod 10.
func writeMNIST(t *testing.T, n int, shift byte) string {
	dir := t.TempDir()
	write := func(name string, dims []int, data []byte) {
		f, err := os.Create(filepath.Join(dir, name))
		require.NoError(t, err)
		_, err = (&datasets.IDX{Type: datasets.IDXUint8, Dims: dims, Data: data}).WriteTo(f)
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	for _, part := range []struct {
		images, labels string
		n              int
	}{{datasets.TrainImagesFile, datasets.TrainLabelsFile, n}, {datasets.TestImagesFile, datasets.TestLabelsFile, 50}} {
		pix, lab := make([]byte, part.n*784), make([]byte, part.n)
		for k := range part.n {
			for j := range 784 {
				pix[k*784+j] = byte(k*7+j) + shift
			}
			lab[k] = byte(k % 10)
		}
		write(part.images, []int{part.n, 28, 28}, pix)
		write(part.labels, []int{part.n}, lab)
	}
	return dir
}

// TestTrainResumeRefusesOtherSettings: --resume with any setting that
// changes the result other than in the checkpoint is a usage error naming
// the flag; so is --epochs below the checkpoint's.
func TestTrainResumeRefusesOtherSettings(t *testing.T) {
	data := writeMNIST(t, 300, 0)
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	base := []string{"train", "--data", data, "--val", "50", "--layers", "8", "--checkpoint", ckpt}
	_, errOut, code := runCLI(append(base, "--epochs", "2")...)
	require.Equal(t, 0, code, errOut)
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--eta", "0.002"}, "eta"}, {[]string{"--rho1", "0.8"}, "rho1"}, {[]string{"--rule", "sgd"}, "rule"},
		{[]string{"--schedule", "constant"}, "schedule"}, {[]string{"--decay", "0.001"}, "decay"},
		{[]string{"--limit", "200"}, "limit"}, {[]string{"--val", "60"}, "val"}, {[]string{"--drop-last"}, "drop-last"},
		{[]string{"--seed", "2"}, "seed"}, {[]string{"--batch", "64"}, "batch"}, {[]string{"--dtype", "float64"}, "dtype"},
		{[]string{"--layers", "9"}, "layers"}, {[]string{"--activation", "tanh"}, "activation"},
		{[]string{"--cost", "quadratic"}, "cost"}, {[]string{"--output", "sigmoid"}, "output"},
		{[]string{"--data", writeMNIST(t, 300, 1)}, "data"},
		{[]string{"--epochs", "1"}, "epochs"},
	} {
		args := append(append(slices.Clone(base), "--resume", "--epochs", "3"), c.args...)
		out, errOut, code := runCLI(args...)
		assert.Equal(t, 2, code, "%v: %s", c.args, errOut)
		assert.Regexp(t, `^gradgraph: --`+c.flag+`: [^\n]*`+regexp.QuoteMeta(ckpt)+`[^\n]*\n$`, errOut, c.args)
		assert.NotContains(t, out, "epoch  3", "%v trained", c.args)
	}
	out, errOut, code := runCLI(append(base, "--resume", "--epochs", "3", "--eta", "0.001", "--json")...)
	require.Equal(t, 0, code, "a default spelled out is the same setting: %s", errOut)
	assert.Contains(t, out, `"epochs": 3`)
}

// TestEvalReadsOnlyTheTestFiles: eval needs the two test files alone.
func TestEvalReadsOnlyTheTestFiles(t *testing.T) {
	data := writeMNIST(t, 300, 0)
	model := filepath.Join(t.TempDir(), "m.json")
	_, errOut, code := runCLI("train", "--data", data, "--val", "50", "--layers", "8", "--epochs", "1", "--save", model)
	require.Equal(t, 0, code, errOut)
	for _, f := range []string{datasets.TrainImagesFile, datasets.TrainLabelsFile} {
		require.NoError(t, os.Remove(filepath.Join(data, f)))
	}
	out, errOut, code := runCLI("eval", "--data", data, "--model", model)
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "(50 images)")
}

// TestTrainOutputsChecked: outputs that name one file twice, a directory,
// or a checkpoint another run is writing are refused before any data is
// read.
func TestTrainOutputsChecked(t *testing.T) {
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "run.ckpt")
	unlock, err := atomicfile.Lock(ckpt)
	require.NoError(t, err)
	defer unlock()
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--save", "x.json", "--checkpoint", "./x.json"}, 2, "--save and --checkpoint name the same file ./x.json"},
		{[]string{"--export", filepath.Join(dir, "m"), "--plot", filepath.Join(dir, ".", "m")}, 2, "--export and --plot name the same file " + filepath.Join(dir, "m")},
		{[]string{"--save", dir}, 2, "--save: " + dir + " is a directory"},
		{[]string{"--checkpoint", ckpt}, 1, "--checkpoint: " + ckpt + " is in use by another process (it holds the lock " + filepath.Join(dir, ".run.ckpt.lock") + ")"},
	} {
		out, errOut, code := runCLI(append([]string{"train", "--data", "/nonexistent"}, c.args...)...)
		assert.Equal(t, c.code, code, c.args)
		assert.Empty(t, out)
		assert.Equal(t, "gradgraph: "+c.want+"\n", errOut)
	}
}

// TestTrainFilesRespectUmask: a new model file gets 0666 less the umask; a
// model file that is replaced keeps its mode (a private one stays private).
func TestTrainFilesRespectUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	data := writeMNIST(t, 200, 0)
	dir := t.TempDir()
	fresh, private := filepath.Join(dir, "fresh.json"), filepath.Join(dir, "private.json")
	require.NoError(t, os.WriteFile(private, nil, 0o600))
	require.NoError(t, os.Chmod(private, 0o640))
	for _, p := range []string{fresh, private} {
		_, errOut, code := runCLI("train", "--data", data, "--val", "50", "--layers", "4", "--epochs", "1", "--save", p)
		require.Equal(t, 0, code, errOut)
	}
	for p, want := range map[string]os.FileMode{fresh: 0o600, private: 0o640} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		assert.Equal(t, want, fi.Mode().Perm(), p)
	}
}

// TestEvalOnACheckpoint: eval --model on a checkpoint says what the file
// is and how to get a model.
func TestEvalOnACheckpoint(t *testing.T) {
	data := writeMNIST(t, 200, 0)
	ckpt := filepath.Join(t.TempDir(), "run.ckpt")
	_, errOut, code := runCLI("train", "--data", data, "--val", "50", "--layers", "4", "--epochs", "1", "--checkpoint", ckpt)
	require.Equal(t, 0, code, errOut)
	_, errOut, code = runCLI("eval", "--data", data, "--model", ckpt)
	assert.Equal(t, 1, code)
	assert.Equal(t, "gradgraph: "+ckpt+": a training checkpoint (--checkpoint), not a model: resume it with --resume and write the model with --save\n", errOut)
}
