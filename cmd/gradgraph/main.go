// Command gradgraph drives the gradgraph framework from the command line:
//
//	gradgraph gradcheck --spec net.json [--json] [--epsilon 1e-6] [--dtype float64]
//	gradgraph optimize  --spec run.json [--json] [--dtype float64]
//	gradgraph train     [flags]      (MNIST by default)
//	gradgraph eval      --model FILE [--data DIR]
//	gradgraph bench     [--batch 128] [--dtype float32] [--rule sgd] [--json]
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
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "gradgraph: unknown command %q (want %s)\n", args[0], strings.Join(names(), ", "))
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
	fmt.Fprintln(w, "\nCommands:")
	for _, n := range names() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
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
}

func newFlags(name, synopsis string, stdout io.Writer) *flagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{fs, synopsis, stdout}
}

// parseFlags parses args and turns flag errors into usage errors (exit 2).
func parseFlags(fs *flagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(fs.stdout, "Usage: gradgraph %s %s\n\nFlags:\n", fs.Name(), fs.synopsis)
			fs.printDefaults()
			return err
		}
		// The flag package names flags with one dash; gradgraph documents two.
		msg := strings.Replace(err.Error(), ": -", ": --", 1)
		return &exitError{2, fmt.Errorf("%s: %s", fs.Name(), msg)}
	}
	if fs.NArg() > 0 {
		return &exitError{2, fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))}
	}
	return nil
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
