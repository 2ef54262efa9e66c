package docs

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the blocks of the pages from the code")

// root is the repository root, relative to this package.
const root = ".."

// marker matches a marker line and captures its kind and argument.
var marker = regexp.MustCompile(`^<!-- (include|output|run): (.+?)(?: \| mask: (.+?))? -->$`)

// block is one marked fenced block of a page.
type block struct {
	kind, arg  string
	mask       *regexp.Regexp // what honestly varies (timings), or nil
	line       int            // line of the marker, from 1
	fence      string
	start, end int // lines of the block's content: [start, end)
}

// parse finds the marked blocks of a page, and reports Go blocks that carry
// no include marker.
func parse(lines []string) (blocks []block, unmarked []int, err error) {
	for i := 0; i < len(lines); i++ {
		m := marker.FindStringSubmatch(lines[i])
		if m == nil {
			if strings.HasPrefix(lines[i], "```go") {
				unmarked = append(unmarked, i+1)
				for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				}
			}
			continue
		}
		b := block{kind: m[1], arg: m[2], line: i + 1}
		if m[3] != "" {
			if b.mask, err = regexp.Compile(m[3]); err != nil {
				return nil, nil, fmt.Errorf("line %d: the mask: %v", i+1, err)
			}
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			return nil, nil, fmt.Errorf("line %d: a marker must be followed by a fenced block", i+1)
		}
		b.fence = lines[i+1]
		b.start = i + 2
		j := b.start
		for ; j < len(lines) && lines[j] != "```"; j++ {
		}
		if j == len(lines) {
			return nil, nil, fmt.Errorf("line %d: unclosed block", i+2)
		}
		b.end = j
		blocks = append(blocks, b)
		i = j
	}
	return blocks, unmarked, nil
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// binaries builds the gradgraph command once, for run markers.
func binaries(t *testing.T) string {
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "gradgraph-docs-")
		if buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", binDir, "./cmd/gradgraph")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return binDir
}

// produce returns what the block should hold.
func produce(t *testing.T, b block) string {
	switch b.kind {
	case "include":
		file, region, _ := strings.Cut(b.arg, "#")
		data, err := os.ReadFile(filepath.Join(root, file))
		require.NoError(t, err)
		if region == "" {
			return string(data)
		}
		text, err := extract(string(data), region)
		require.NoError(t, err, b.arg)
		return text
	case "output":
		cmd := exec.Command("go", "run", "./"+b.arg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GRADGRAPH_IMG_DIR="+t.TempDir())
		return runCmd(t, cmd)
	default: // run
		cmd := exec.Command("sh", "-c", b.arg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "PATH="+binaries(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
		return runCmd(t, cmd)
	}
}

// extract returns the lines between "// docs:begin NAME" and
// "// docs:end NAME" in a source file, without their common indentation.
func extract(src, name string) (string, error) {
	lines := strings.Split(src, "\n")
	begin, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case "// docs:begin " + name:
			begin = i + 1
		case "// docs:end " + name:
			end = i
		}
	}
	if begin < 0 || end < begin {
		return "", fmt.Errorf("no region %q (// docs:begin %s ... // docs:end %s)", name, name, name)
	}
	region := lines[begin:end]
	// gofmt puts a blank line between a declaration and a following
	// comment: leave such blank lines at either end out of the region.
	for len(region) > 0 && strings.TrimSpace(region[len(region)-1]) == "" {
		region = region[:len(region)-1]
	}
	for len(region) > 0 && strings.TrimSpace(region[0]) == "" {
		region = region[1:]
	}
	indent := ""
	for i, l := range region {
		if strings.TrimSpace(l) == "" {
			continue
		}
		lead := l[:len(l)-len(strings.TrimLeft(l, "\t "))]
		if i == 0 || len(lead) < len(indent) {
			indent = lead
		}
	}
	for i, l := range region {
		region[i] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(region, "\n") + "\n", nil
}

func runCmd(t *testing.T, cmd *exec.Cmd) string {
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	require.NoErrorf(t, err, "%s: %s", cmd.Args, errOut.String())
	return out.String()
}

func masked(s string, mask *regexp.Regexp) string {
	if mask == nil {
		return s
	}
	return mask.ReplaceAllString(s, "…")
}

// TestDocs checks every marked block of every page against the code.
func TestDocs(t *testing.T) {
	pages, err := filepath.Glob("*.md")
	require.NoError(t, err)
	readme, err := filepath.Abs(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	pages = append(pages, readme)
	for _, page := range pages {
		t.Run(filepath.Base(page), func(t *testing.T) {
			data, err := os.ReadFile(page)
			require.NoError(t, err)
			lines := strings.Split(string(data), "\n")
			blocks, unmarked, err := parse(lines)
			require.NoError(t, err)
			assert.Emptyf(t, unmarked, "```go blocks without an include marker at lines %v", unmarked)
			changed := false
			// Replace from the last block so earlier line numbers stay valid.
			for i := len(blocks) - 1; i >= 0; i-- {
				b := blocks[i]
				want := strings.TrimSuffix(produce(t, b), "\n")
				got := strings.Join(lines[b.start:b.end], "\n")
				if masked(got, b.mask) == masked(want, b.mask) {
					continue
				}
				if *update {
					lines = append(lines[:b.start], append(strings.Split(want, "\n"), lines[b.end:]...)...)
					changed = true
					continue
				}
				assert.Equalf(t, masked(want, b.mask), masked(got, b.mask),
					"%s:%d: the %s block of %q drifted from the code (go test ./docs -update rewrites it)", page, b.line, b.kind, b.arg)
			}
			if changed {
				require.NoError(t, os.WriteFile(page, []byte(strings.Join(lines, "\n")), 0o644))
			}
		})
	}
}

// TestDocsCatchesDrift edits one shown output line of a page in memory and
// checks that the comparison fails, so that TestDocs cannot pass vacuously.
func TestDocsCatchesDrift(t *testing.T) {
	page := []string{
		"<!-- run: printf 'a\\nb\\n' -->",
		"```",
		"a",
		"b",
		"```",
	}
	blocks, _, err := parse(page)
	require.NoError(t, err)
	require.Len(t, blocks, 1)
	want := strings.TrimSuffix(produce(t, blocks[0]), "\n")
	assert.Equal(t, want, strings.Join(page[2:4], "\n"))
	page[3] = "b (edited)"
	assert.NotEqual(t, want, strings.Join(page[2:4], "\n"))
}

func TestExtractRegion(t *testing.T) {
	src := "package x\n\nfunc f() {\n\t// docs:begin body\n\ta := 1\n\tif a > 0 {\n\t\ta++\n\t}\n\t// docs:end body\n}\n"
	got, err := extract(src, "body")
	require.NoError(t, err)
	assert.Equal(t, "a := 1\nif a > 0 {\n\ta++\n}\n", got)
	_, err = extract(src, "nope")
	assert.EqualError(t, err, `no region "nope" (// docs:begin nope ... // docs:end nope)`)
}

func TestParseRejectsBareMarkers(t *testing.T) {
	_, _, err := parse([]string{"<!-- run: true -->", "text"})
	assert.EqualError(t, err, "line 1: a marker must be followed by a fenced block")
	_, unmarked, err := parse([]string{"```go", "x := 1", "```"})
	require.NoError(t, err)
	assert.Equal(t, []int{1}, unmarked)
	_, _, err = parse([]string{"<!-- run: true | mask: [0-9 -->", "```", "```"})
	assert.ErrorContains(t, err, "line 1: the mask: error parsing regexp")
}
