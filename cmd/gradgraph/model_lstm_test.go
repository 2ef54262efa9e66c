package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runModelCLI runs a model's runner in-process as run runs a command:
// its error printed as one line, with run's exit codes.
func runModelCLI(runner func([]string, io.Writer, io.Writer) error, args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	err := runner(args, &o, &e)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		code = 1
		var ee *exitError
		if errors.As(err, &ee) {
			code = ee.code
		}
		fmt.Fprintf(&e, "gradgraph: %s\n", oneLine(err.Error()))
	}
	return o.String(), e.String(), code
}

// goFiles writes a small corpus of Go-like files, 40 of them, into a
// temporary directory.
func goFiles(t *testing.T) string {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	names := []string{"x", "y", "err", "buf", "n"}
	for i := range 40 {
		var b strings.Builder
		fmt.Fprintf(&b, "package p\n\n")
		for k := range 12 {
			a, c := names[r.IntN(len(names))], names[r.IntN(len(names))]
			fmt.Fprintf(&b, "func f%d_%d(%s int) int {\n\tif %s != nil {\n\t\treturn %s\n\t}\n\treturn 0\n}\n\n", i, k, a, c, a)
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%02d.go", i)), []byte(b.String()), 0o644))
	}
	return dir
}

func lstmArgs(src string, extra ...string) []string {
	return append([]string{"--source", src, "--val", "0.2", "--context", "16", "--embed", "8", "--hidden", "24",
		"--batch", "32", "--eta", "0.01", "--decay", "0", "--generate", "60", "--prompt", `func f\t`}, extra...)
}

// TestLSTMTrainsAndGenerates trains the language model on a small corpus,
// which it learns well below the unigram baseline, and checks the JSON
// summary, the text output, the generated text and the plot.
func TestLSTMTrainsAndGenerates(t *testing.T) {
	src := goFiles(t)
	plot := filepath.Join(t.TempDir(), "lstm.png")
	out, errOut, code := runModelCLI(runLSTM, lstmArgs(src, "--epochs", "3", "--json", "--plot", plot)...)
	require.Equal(t, 0, code, errOut)
	var s struct {
		Epochs      int     `json:"epochs"`
		ValBits     float64 `json:"val_bits"`
		UnigramBits float64 `json:"unigram_bits"`
		Generated   string  `json:"generated"`
		Prompt      string  `json:"prompt"`
		History     []struct {
			ValMetrics map[string]float64 `json:"val_metrics"`
		} `json:"history"`
		Files int `json:"files"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &s), out)
	assert.Equal(t, 3, s.Epochs)
	assert.Equal(t, 40, s.Files)
	require.Len(t, s.History, 3)
	assert.Equal(t, s.ValBits, s.History[2].ValMetrics["bits"])
	t.Logf("validation %.3f bits per character, unigram %.3f", s.ValBits, s.UnigramBits)
	assert.Less(t, s.ValBits, s.UnigramBits/2, "the corpus is very regular")
	assert.Equal(t, "func f\t", s.Prompt, "the escapes are Go's")
	assert.Len(t, s.Generated, 60)
	f, err := os.Open(plot)
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	assert.Equal(t, 672, img.Bounds().Dx(), "one panel, 7 inches at 96 dpi")

	out, errOut, code = runModelCLI(runLSTM, lstmArgs(src, "--epochs", "1", "--progress=false")...)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, regexp.MustCompile(`(?s)^corpus: \d+ bytes of Go source under .+ \(40 files, \d+ for validation\): \d+ bytes to train on, \d+ to validate, \d+ distinct bytes; unigram baseline \d\.\d{3} bits per character
training a byte-level LSTM \(embedding 8, 1 layer of 24, context 16; \d+ parameters\), adam η 0\.01, batch 32, 1 epoch, float32
epoch  1  loss \d\.\d{4} bits  val \d\.\d{4} bits per character  \d+\.\ds
validation \d\.\d{3} bits per character: \d\.\d{3} below the unigram baseline \d\.\d{3} \(\d+% of it\), \d+\.\ds of training
generated at temperature 0\.8 \(sample seed 1\) after "func f\\t":
func f	.{60}
$`), out)
}

// TestLSTMResumes: a run of 2 epochs resumed from the checkpoint of the
// first ends as the uninterrupted run does, generated text included.
func TestLSTMResumes(t *testing.T) {
	src := goFiles(t)
	ckpt := filepath.Join(t.TempDir(), "lstm.ckpt")
	_, errOut, code := runModelCLI(runLSTM, lstmArgs(src, "--epochs", "1", "--checkpoint", ckpt, "--json")...)
	require.Equal(t, 0, code, errOut)
	resumed, errOut, code := runModelCLI(runLSTM, lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--json")...)
	require.Equal(t, 0, code, errOut)
	straight, errOut, code := runModelCLI(runLSTM, lstmArgs(src, "--epochs", "2", "--json")...)
	require.Equal(t, 0, code, errOut)
	var a, b map[string]any
	require.NoError(t, json.Unmarshal([]byte(resumed), &a))
	require.NoError(t, json.Unmarshal([]byte(straight), &b))
	for _, k := range []string{"val_bits", "generated"} {
		assert.Equal(t, b[k], a[k], k)
	}
	assert.Equal(t, b["history"].([]any)[1].(map[string]any)["loss"], a["history"].([]any)[1].(map[string]any)["loss"])

	_, errOut, code = runModelCLI(runLSTM, lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--hidden", "20")...)
	assert.Equal(t, 2, code)
	assert.Equal(t, fmt.Sprintf("gradgraph: --hidden: 20, but the checkpoint %s was written with 24 (a resumed run keeps the settings it started with)\n", ckpt), errOut)
	_, errOut, code = runModelCLI(runLSTM, lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--bytes", "30000")...)
	assert.Equal(t, 2, code)
	assert.Equal(t, fmt.Sprintf("gradgraph: --source, --bytes and --val: the training data differ from those the checkpoint %s was written with\n", ckpt), errOut)
}

func TestLSTMBadFlags(t *testing.T) {
	src := goFiles(t)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bytes", "0"}, "--bytes: 0, want > 0"},
		{[]string{"--val", "1"}, "--val: 1, want a fraction in (0, 1)"},
		{[]string{"--hidden", "0"}, "--context, --embed, --hidden and --layers must be > 0"},
		{[]string{"--epochs", "0"}, "--epochs: 0, want > 0"},
		{[]string{"--eta", "0"}, "--eta: 0, want a learning rate in (0, 1]"},
		{[]string{"--temperature", "-1"}, "--temperature: -1, want a finite number ≥ 0"},
		{[]string{"--generate", "-1"}, "--generate: -1, want ≥ 0"},
		{[]string{"--resume"}, "--resume needs --checkpoint FILE"},
		{[]string{"--prompt", `\q`}, `--prompt: "\\q" is not a string with Go's escapes`},
		{[]string{"--prompt", "Ω"}, "--prompt: byte 0xce at 0 does not occur in the corpus"},
		{[]string{"--context", "100000"}, "--context: 100000, but the training text has "},
		{[]string{"--dtype", "int8"}, `--dtype: unknown dtype "int8" (want float64 or float32)`},
		{[]string{"--layer", "2"}, "--layer: not a flag of gradgraph train --model lstm (see gradgraph train --model lstm --help)"},
		{[]string{"extra"}, `train --model lstm: unexpected argument "extra" (flags come as --name value)`},
	} {
		out, errOut, code := runModelCLI(runLSTM, append([]string{"--source", src, "--val", "0.2"}, c.args...)...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, out, c.args)
		assert.True(t, strings.HasPrefix(errOut, "gradgraph: "+c.want), "%v: %s", c.args, errOut)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), c.args)
	}
	_, errOut, code := runModelCLI(runLSTM, "--source", filepath.Join(src, "missing"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "gradgraph: --source: datasets: go source: ")

	out, _, code := runModelCLI(runLSTM, "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, out, "Usage: gradgraph train --model lstm [flags]")
	assert.Contains(t, out, "--temperature")
}

func TestGoSourceDirIsTheDistributions(t *testing.T) {
	dir, err := goSourceDir()
	require.NoError(t, err)
	_, err = os.Stat(filepath.Join(dir, "fmt", "print.go"))
	assert.NoError(t, err)
}

// TestModelSummaries: the lines the --model registry shows are short,
// one line each, in the style of the commands' summaries.
func TestModelSummaries(t *testing.T) {
	for _, s := range []string{lstmSummary, vaeSummary} {
		assert.NotContains(t, s, "\n")
		assert.Less(t, len(s), 90, s)
		assert.Regexp(t, `^[a-z].*[^.]$`, s)
	}
}
