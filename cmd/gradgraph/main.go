// Command gradgraph drives the gradgraph framework from the command line:
//
//	gradgraph gradcheck --spec net.json [--json] [--epsilon 1e-6] [--dtype float64]
//	gradgraph optimize  --spec run.json [--json] [--dtype float64]
//	gradgraph train     [flags]      (MNIST by default)
//	gradgraph eval      --model FILE [--data DIR]
//	gradgraph bench     [--batch 128] [--dtype float32] [--rule sgd] [--json]
//	gradgraph --version
//
// Every command takes --help, exits 0 on success, and exits non-zero with one
// line "gradgraph: ..." on stderr for bad input. With --json it prints
// exactly one JSON document on stdout. The JSON formats are specified in
// docs/cli.md.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime/debug"
	"sort"
	"strings"
)

// command is one subcommand: its one-line summary and its body.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	commands[name] = command{summary, run}
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// exitError carries an exit code for an error whose message was already
// printed, or that is printed as usual with a specific code.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

// run executes the command line args and returns the exit status.
func run(args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			// A bug, not bad input; still one line, no stack trace.
			fmt.Fprintf(stderr, "gradgraph: internal error: %s\n", oneLine(fmt.Sprint(r)))
			code = 3
		}
	}()
	if len(args) == 2 && args[0] == "help" {
		args = []string{args[1], "--help"} // gradgraph help train
	}
	if len(args) == 0 {
		// A usage error like any other: the usage goes to stderr.
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		usage(stdout)
		return 0
	case "-version", "--version", "version":
		fmt.Fprintln(stdout, version())
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		hint := ""
		if near := closest(args[0], names()); near != "" {
			hint = fmt.Sprintf("; did you mean %s?", near)
		}
		fmt.Fprintf(stderr, "gradgraph: unknown command %q (want %s)%s\n", args[0], strings.Join(names(), ", "), hint)
		return 2
	}
	err := cmd.run(args[1:], stdout, stderr)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	code = 1
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	fmt.Fprintf(stderr, "gradgraph: %s\n", oneLine(err.Error()))
	return code
}

func names() []string {
	var ns []string
	for n := range commands {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "gradgraph: reverse-mode autodiff and the lecture's MLP, from the command line.")
	fmt.Fprintln(w, "\nUsage: gradgraph COMMAND [flags]   (gradgraph COMMAND --help for its flags)")
	fmt.Fprintln(w, "       gradgraph --version")
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range names() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// version describes the build from its build information: the module's
// version (a tag, a pseudo-version, or "(devel)" for go run and go build
// in a checkout), and the commit with its time when the go command
// recorded them.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "gradgraph (no build information)"
	}
	v := "gradgraph " + bi.Main.Version
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" {
		v += ", commit " + rev
		if t := settings["vcs.time"]; t != "" {
			v += " (" + t + ")"
		}
		if settings["vcs.modified"] == "true" {
			v += " with local changes"
		}
	}
	return v + ", " + bi.GoVersion
}

// closest returns the name within edit distance 2 of s that is nearest, or
// "" when none is.
func closest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}

// flagSet is a flag.FlagSet whose errors come back as one-line errors and
// whose --help prints the usage to stdout.
type flagSet struct {
	*flag.FlagSet
	synopsis string
	stdout   io.Writer
	// outputs are the file flags of a registered model's own (see
	// outputFlag in models.go).
	outputs []*outputFlag
}

func newFlags(name, synopsis string, stdout io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, synopsis: synopsis, stdout: stdout}
}

// parseFlags parses args and turns flag errors into usage errors (exit 2).
func parseFlags(fs *flagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(fs.stdout, "Usage: gradgraph %s %s\n\nFlags:\n", fs.Name(), fs.synopsis)
			fs.printDefaults()
			return err
		}
		return &exitError{2, flagError(fs, err)}
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Errorf("%s: unexpected argument %q (flags come as --name value)", fs.Name(), fs.Arg(0))}
	}
	return nil
}

// The flag package's errors, which name flags with one dash.
var (
	flagNeedsArg   = regexp.MustCompile(`^flag needs an argument: -+(.*)$`)
	flagUndefined  = regexp.MustCompile(`^flag provided but not defined: -+(.*)$`)
	flagBadValue   = regexp.MustCompile(`^invalid value (".*") for flag -+([^:]*): (.*)$`)
	flagBadBoolean = regexp.MustCompile(`^invalid boolean value (".*") for -+([^:]*): (.*)$`)
)

// flagError rewrites an error of the flag package in gradgraph's style,
// the flag first and with two dashes: "--epochs: needs a value".
func flagError(fs *flagSet, err error) error {
	cmd, msg := fs.Name(), err.Error()
	if m := flagNeedsArg.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("--%s: needs a value", m[1])
	}
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("--%s: not a flag of gradgraph %s (see gradgraph %s --help)", m[1], cmd, cmd)
	}
	if m := flagBadValue.FindStringSubmatch(msg); m != nil {
		want := m[3]
		if f := fs.Lookup(m[2]); f != nil {
			switch f.Value.(flag.Getter).Get().(type) {
			case int:
				want = "want an integer"
			case uint64:
				want = "want a non-negative integer"
			case float64:
				want = "want a number"
			}
		}
		return fmt.Errorf("--%s: invalid value %s: %s", m[2], m[1], want)
	}
	if m := flagBadBoolean.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("--%s: invalid value %s: want true or false", m[2], m[1])
	}
	return fmt.Errorf("%s: %s", cmd, msg)
}

// printDefaults lists the flags as --name, with their usage and default.
func (fs *flagSet) printDefaults() {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(fs.stdout, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "0" && f.DefValue != "false" {
			fmt.Fprintf(fs.stdout, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(fs.stdout)
	})
}

func usageErr(format string, a ...any) error {
	return &exitError{2, fmt.Errorf(format, a...)}
}
