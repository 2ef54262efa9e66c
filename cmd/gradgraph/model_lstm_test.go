package main

import (
	"encoding/json"
	"fmt"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trainCLI runs `gradgraph train --model name args…` in-process.
func trainCLI(name string, args ...string) (stdout, stderr string, code int) {
	return runCLI(append([]string{"train", "--model", name}, args...)...)
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
	out, errOut, code := trainCLI("lstm", lstmArgs(src, "--epochs", "3", "--json", "--plot", plot)...)
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

	out, errOut, code = trainCLI("lstm", lstmArgs(src, "--epochs", "1", "--progress=false")...)
	require.Equal(t, 0, code, errOut)
	assert.Regexp(t, regexp.MustCompile(`(?s)^corpus: \d+ bytes of Go source under .+ \(40 files, \d+ for validation\): \d+ bytes to train on, \d+ to validate, \d+ distinct bytes; unigram baseline \d\.\d{3} bits per character
training a byte-level LSTM \(embedding 8, 1 layer of 24, context 16; \d+ parameters\), adam η₀ 0\.01 constant, batch 32, 1 epoch, float32
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
	_, errOut, code := trainCLI("lstm", lstmArgs(src, "--epochs", "1", "--checkpoint", ckpt, "--json")...)
	require.Equal(t, 0, code, errOut)
	resumed, errOut, code := trainCLI("lstm", lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--json")...)
	require.Equal(t, 0, code, errOut)
	straight, errOut, code := trainCLI("lstm", lstmArgs(src, "--epochs", "2", "--json")...)
	require.Equal(t, 0, code, errOut)
	var a, b map[string]any
	require.NoError(t, json.Unmarshal([]byte(resumed), &a))
	require.NoError(t, json.Unmarshal([]byte(straight), &b))
	for _, k := range []string{"val_bits", "generated"} {
		assert.Equal(t, b[k], a[k], k)
	}
	assert.Equal(t, b["history"].([]any)[1].(map[string]any)["loss"], a["history"].([]any)[1].(map[string]any)["loss"])

	_, errOut, code = trainCLI("lstm", lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--hidden", "20")...)
	assert.Equal(t, 2, code)
	assert.Equal(t, fmt.Sprintf("gradgraph: --hidden: 20, but the checkpoint %s was written with 24 (a resumed run keeps the settings it started with)\n", ckpt), errOut)
	_, errOut, code = trainCLI("lstm", lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--bytes", "30000")...)
	assert.Equal(t, 2, code)
	assert.Equal(t, fmt.Sprintf("gradgraph: --bytes: 30000, but the checkpoint %s was written with 2000000 (a resumed run keeps the settings it started with)\n", ckpt), errOut)
	for _, c := range [][2]string{{"val", "0.3"}, {"context", "12"}, {"embed", "6"}, {"layers", "2"}} {
		_, errOut, code = trainCLI("lstm", lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--"+c[0], c[1])...)
		assert.Equal(t, 2, code, c)
		assert.True(t, strings.HasPrefix(errOut, "gradgraph: --"+c[0]+": "+c[1]+", but the checkpoint "), errOut)
	}
	// Another directory of other files: the text's fingerprint differs.
	other := t.TempDir()
	require.NoError(t, os.CopyFS(other, os.DirFS(src)))
	require.NoError(t, os.WriteFile(filepath.Join(other, "f00.go"), []byte("package p\n\nvar x = 1\n"), 0o644))
	_, errOut, code = trainCLI("lstm", append([]string{"--source", other}, lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume")[2:]...)...)
	assert.Equal(t, 2, code)
	assert.Regexp(t, "^gradgraph: --source: the (training|validation) data differ from those the checkpoint "+regexp.QuoteMeta(ckpt)+" was written with\n$", errOut)
	// Generation settings do not change the training: a resumed run may
	// change them.
	out, errOut, code := trainCLI("lstm", lstmArgs(src, "--epochs", "2", "--checkpoint", ckpt, "--resume", "--temperature", "0", "--json")...)
	require.Equal(t, 0, code, errOut)
	var c map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &c))
	assert.Equal(t, b["val_bits"], c["val_bits"])
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
		{[]string{"--eta", "0"}, "--eta: 0, want a finite number > 0"},
		{[]string{"--temperature", "-1"}, "--temperature: -1, want a finite number ≥ 0"},
		{[]string{"--generate", "-1"}, "--generate: -1, want ≥ 0"},
		{[]string{"--resume"}, "--resume needs --checkpoint FILE"},
		{[]string{"--prompt", `\q`}, `--prompt: "\\q" is not a string with Go's escapes`},
		{[]string{"--prompt", "Ω"}, "--prompt: byte 0xce at 0 does not occur in the corpus"},
		{[]string{"--context", "100000"}, "--context: 100000, but the training text has "},
		{[]string{"--dtype", "int8"}, `--dtype: unknown dtype "int8" (want float64 or float32)`},
		{[]string{"--layer", "2"}, "--layer: not a flag of gradgraph train --model lstm (see gradgraph train --model lstm --help)"},
		{[]string{"extra"}, `train --model lstm: unexpected argument "extra" (flags come as --name value)`},
		{[]string{"--plot", "x.png", "--checkpoint", "./x.png"}, "--plot and --checkpoint name the same file ./x.png"},
	} {
		out, errOut, code := trainCLI("lstm", append([]string{"--source", src, "--val", "0.2"}, c.args...)...)
		assert.Equal(t, 2, code, c.args)
		assert.Empty(t, out, c.args)
		assert.True(t, strings.HasPrefix(errOut, "gradgraph: "+c.want), "%v: %s", c.args, errOut)
		assert.Equal(t, 1, strings.Count(errOut, "\n"), c.args)
	}
	_, errOut, code := trainCLI("lstm", "--source", filepath.Join(src, "missing"))
	assert.Equal(t, 1, code)
	assert.Contains(t, errOut, "gradgraph: --source: datasets: go source: ")

}

// TestLSTMHelp: the lstm model is listed by train --help, and its own
// --help lists its flags with the common ones, at its defaults.
func TestLSTMHelp(t *testing.T) {
	out, errOut, code := runCLI("train", "--help")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "lstm (a byte-level LSTM language model on the Go distribution's source)")
	out, errOut, code = trainCLI("lstm", "--help")
	require.Equal(t, 0, code, errOut)
	assert.True(t, strings.HasPrefix(out, "Usage: gradgraph train --model lstm [flags]\n"), out)
	for _, f := range []string{"--source", "--bytes", "--val", "--context", "--embed", "--hidden", "--layers", "--prompt", "--generate",
		"--temperature", "--sample-seed", "--epochs", "--batch", "--eta", "--decay", "--save", "--plot", "--checkpoint", "--resume", "--json"} {
		assert.Regexp(t, "\n  "+f+"[ \n]", out, f)
	}
	for _, d := range []string{"number of epochs (default 2)", "mini-batch size (default 16)", "(default 0.01)", "(default 0.0003)",
		"units of each LSTM layer (default 256)", "(default 2000000)"} {
		assert.Contains(t, out, d)
	}
	assert.NotContains(t, out, "--latent")
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
	for _, name := range modelNames()[1:] {
		s := trainModels[name].summary
		assert.NotContains(t, s, "\n")
		assert.Less(t, len(s), 110, s)
		assert.Regexp(t, `^[a-z].*[^.]$`, s)
	}
}
